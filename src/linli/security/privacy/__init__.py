"""Privacy duties (PDPA, PIPL): data-subject export and erasure, reporter-contact expiry and
field-key rotation."""
