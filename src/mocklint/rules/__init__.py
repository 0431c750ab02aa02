"""The rules, one module each.  ``mocklint.registry`` lists them."""
