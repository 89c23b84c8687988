"""The last values a process computed, kept by key (a bounded, thread-safe LRU): the one home
of the caches for work that is a function of its key alone — a seal's offline reading
(:class:`legalize.cases.check.SealReadings`), an issued PDF's rendered page
(:class:`legalize.documents.preview.IssuedPreviews`)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LatestKept(Generic[K, V]):
    """At most ``size`` values, the least recently used dropped first; shared by the threads
    of one process. What to keep, and under which key, is the caller's rule."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)
