"""No text a person reads is left bare (issue 21): every such literal goes through gettext
or {% translate %}, so the translators' catalogs reach it. The scanner's rules and its short
allowlist are in tests/i18n/bare_strings.py; here it runs on the project and, first, on
samples, so a checker that stopped seeing anything would fail too."""

from __future__ import annotations

import pytest

from .bare_strings import ALLOWED, ROOT, project_findings, python_findings, template_findings


def _texts(findings) -> list[str]:
    return [f.text for f in findings]


def test_a_bare_flash_message_is_found_and_a_marked_one_is_not():
    sample = (
        "from django.contrib import messages\n"
        "from django.utils.translation import gettext as _\n"
        "def view(request):\n"
        "    messages.success(request, 'Saved')\n"
        "    messages.error(request, f'{n} vouchers failed')\n"
        "    messages.info(request, _('Saved'))\n"
        "    messages.warning(request, _('%(n)s left') % {'n': 3})\n"
    )
    found = python_findings(sample)
    assert [(f.line, f.text) for f in found] == [(4, "Saved"), (5, " vouchers failed")]


@pytest.mark.parametrize(
    "code",
    [
        "raise ValidationError('Too long')",
        "raise serializers.ValidationError({'phone': ['Too long']})",
        "raise PermissionDenied('Not yours')",
        "raise Http404('No such site')",
        "raise NotFound(detail='No such router')",
        "f = forms.CharField(label='Phone')",
        "f = models.CharField(max_length=9, verbose_name='phone', help_text='Any form')",
        "f = models.CharField(max_length=9, choices=[('a', 'Agent'), ('b', _('Boss'))])",
        "class Kind(models.TextChoices):\n    A = 'a', 'Agent'",
        "class Meta:\n    verbose_name = 'site'",
        "class Gone(APIException):\n    default_detail = 'Gone'",
        "class SitesConfig(AppConfig):\n    verbose_name = 'Sites'",
    ],
)
def test_each_rule_finds_its_bare_literal(code):
    assert _texts(python_findings(code)) in (
        ["Too long"], ["Not yours"], ["No such site"], ["No such router"], ["Phone"],
        ["phone", "Any form"], ["Agent"], ["site"], ["Gone"], ["Sites"],
    )  # fmt: skip


def test_the_dash_rules_apply_to_the_dash_pages_only():
    sample = (
        "html.H3('Sites down')\n"
        "html.Div(['Active users', html.Span(_('now'))])\n"
        "dcc.Dropdown(placeholder='All sites', options=[{'label': 'Cash', 'value': 'c'}])\n"
        "fig.update_yaxes(title='hours')\n"
        "html.Span(_('Analytics'), title=_('Analytics'))\n"
        "html.Div('99+')\n"
    )
    assert _texts(python_findings(sample, dash=True)) == [
        "Sites down", "Active users", "All sites", "Cash", "hours",
    ]  # fmt: skip
    assert python_findings(sample, dash=False) == []


def test_template_text_outside_translate_is_found():
    sample = (
        "{% load i18n %}<h1>{% translate 'Sites' %}</h1>\n"
        "<p>Routers down</p>\n"
        "<p>{% blocktranslate %}{{ n }} routers{% endblocktranslate %}</p>\n"
        '<a title="Open it" href="#">{{ site }}</a>\n'
        "<img alt=\"{% translate 'flow graph' %}\">\n"
        "<script>const label = 'not for translators';</script><style>p{}</style>\n"
        "<!-- a note for developers --> {# and another #}\n"
        "{% comment %}old text{% endcomment %}\n"
        '<span class="material-icons">navigate_next</span><code>i_account</code>\n'
        "<p>ViorNet · M-Pesa · MikroTik</p><p>{{ n }} s — 12 %</p>\n"
        '<td{% if x %} class="erp-owes"{% endif %}>{{ amount }}</td>\n'
    )
    found = template_findings(sample)
    assert [(f.line, f.text) for f in found] == [(2, "Routers down"), (4, "Open it")]


def test_a_plain_text_template_is_read_line_by_line():
    sample = "{% load i18n %}{% translate 'Hello' %} {{ name }},\nYour code is {{ code }}.\n"
    assert _texts(template_findings(sample, "mail/code.txt")) == ["Your code is ."]


def test_every_allowlisted_text_is_still_there():
    """An entry whose text is gone would hide the next bare text of that file."""
    for path, text in ALLOWED:
        assert text in (ROOT / path).read_text(), (path, text)


def test_no_bare_text_a_person_reads():
    found = project_findings()
    assert not found, "Mark these for translation (gettext / {% translate %}):\n" + "\n".join(
        map(str, found)
    )


# The names makemessages (xgettext, with Django's keywords) extracts strings from.
EXTRACTED = {
    "_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy", "pgettext",
    "pgettext_lazy", "npgettext", "npgettext_lazy",
}  # fmt: skip


def test_no_gettext_is_imported_under_a_name_makemessages_does_not_read():
    """`gettext_noop as N_` hid 25 texts (router and modem errors, aging buckets) from the
    catalogs for months: they were shown in English to every reader."""
    import ast

    from .bare_strings import PY_DIRS

    hidden = []
    for folder in PY_DIRS:
        for file in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(file.read_text())):
                if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
                    hidden += [
                        f"{file.relative_to(ROOT)}: {alias.name} as {alias.asname}"
                        for alias in node.names
                        if alias.asname and alias.asname not in EXTRACTED
                    ]
    assert hidden == []
