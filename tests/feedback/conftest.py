"""The feedback tests run among the dossiers' people and agencies."""

from tests.dossiers.conftest import reference_data  # noqa: F401  (module-wide, autouse)
