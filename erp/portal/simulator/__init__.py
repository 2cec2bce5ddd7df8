"""Simulators of the access controllers the portal drives (openNDS). Production code never
imports this package (an import contract checks it)."""
