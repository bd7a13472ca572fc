"""Signals providers/ sends so that apps to its right can react without being imported.

`provider_status_changed(provider=…, from_status=…, actor=…, reason=…)`: sent inside the
transaction of a platform decision (approve, suspend, reinstate, delist), after the change.
"""

from django.dispatch import Signal

provider_status_changed = Signal()
