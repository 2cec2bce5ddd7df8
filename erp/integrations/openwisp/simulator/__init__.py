"""Simulator of OpenWISP's controller and monitoring REST APIs (tests and ``make run``).
Production code never imports it (import-linter contract ``no-integration-simulator``)."""
