"""The certificate APIs, one module per audience."""
