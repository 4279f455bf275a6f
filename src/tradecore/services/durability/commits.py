"""Commit policies: how often the engine makes its store writes durable.

Live trading commits every step (the intent is durable before the broker call, the ack
before anything else). Replay may batch: its broker is simulated and deterministic, so
after a crash ``--resume`` re-derives every order with the same ids and the store's
idempotent writes (intents by client order id, fills by execution id, decisions by
decision id) turn the re-run into a no-op up to where the crash struck.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from types import TracebackType
from typing import Protocol

from tradecore.domain.errors import StoreError
from tradecore.ports.store import Store, UnitOfWork


class CommitPolicy(Protocol):
    """Hands out units of work and decides when they commit."""

    def step(self) -> AbstractContextManager[UnitOfWork]:
        """Yield a unit of work for one step; commit it when the policy says so."""
        ...

    def flush(self) -> None:
        """Commit anything still pending."""
        ...


class StoreResults(Protocol):
    """Whoever counts the units of work that failed in a row (the degradation
    monitor): told of each store error and of a commit that ends a run of them."""

    #: Units of work that failed in a row (0: none; a committed one resets it).
    store_errors: int

    def on_store_result(self, *, failed: bool) -> None:
        """A unit of work committed (``failed=False``) or raised a store error."""
        ...


def flush_reporting(policy: CommitPolicy, results: StoreResults) -> None:
    """Flush ``policy``; a store error is told to ``results``, then re-raised."""
    try:
        policy.flush()
    except StoreError:
        results.on_store_result(failed=True)
        raise


class CommitEachStep:
    """One transaction per step, committed when the step ends without error."""

    def __init__(self, store: Store) -> None:
        self._store = store
        #: Steps committed so far: what a path costs in commits (the durable-path
        #: benchmark times that many bare commits as its floor).
        self.commits = 0

    def step(self) -> _EachStep:
        """Yield a fresh unit of work and commit it at the end of the step."""
        return _EachStep(self)

    def flush(self) -> None:
        """Nothing is ever pending."""


class _EachStep:
    """One step of :class:`CommitEachStep`: its own unit of work, committed if the
    step ends without error (a class: a live order takes two steps, and a
    generator-based context manager cost more than a step's own bookkeeping)."""

    __slots__ = ("_policy", "_unit", "_uow")

    def __init__(self, policy: CommitEachStep) -> None:
        self._policy = policy

    def __enter__(self) -> UnitOfWork:
        self._unit = self._policy._store.unit_of_work()
        self._uow: UnitOfWork = self._unit.__enter__()
        return self._uow

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        unit = self._unit
        if exc_type is not None:
            unit.__exit__(exc_type, exc, tb)  # a unit never swallows (the port)
            return
        try:
            self._uow.commit()
            self._policy.commits += 1
        except BaseException as e:
            unit.__exit__(type(e), e, e.__traceback__)
            raise
        unit.__exit__(None, None, None)


class CommitInBatches:
    """One long transaction committed every ``every`` steps (replay only).

    An error inside a step rolls back the whole pending batch and re-raises: the caller
    must treat the batch as lost (replay does, by re-deriving it on resume).
    """

    def __init__(self, store: Store, every: int = 5000) -> None:
        self._store = store
        self._every = every
        self._uow: UnitOfWork | None = None
        #: The step handed out for ``_uow`` (one per batch: it holds no state of
        #: its own, so every step of the batch can be the same object).
        self._step: _BatchStep | None = None
        self._pending = 0

    def step(self) -> _BatchStep:
        """Yield the shared unit of work; commit once ``every`` steps have run."""
        step = self._step
        if step is None:
            self._uow = self._store.unit_of_work().__enter__()
            step = self._step = _BatchStep(self, self._uow)
        return step

    def flush(self) -> None:
        """Commit and close the shared unit of work, if any."""
        if self._uow is None:
            return
        uow, self._uow, self._pending = self._uow, None, 0
        self._step = None
        try:
            uow.commit()
        finally:
            uow.__exit__(None, None, None)

    def reporting_to(self, results: StoreResults) -> ReportedBatches:
        """These batches, each step's store errors and commits told to ``results``.

        The same batches (one unit of work, one count of steps), not a copy: the
        steps taken through the view and through this policy commit together.
        """
        return ReportedBatches(self, results)

    def _discard(self) -> None:
        uow, self._uow, self._pending = self._uow, None, 0
        self._step = None
        if uow is not None:
            uow.rollback()
            uow.__exit__(None, None, None)


class _BatchStep:
    """One step of a :class:`CommitInBatches` (a class: a replay takes several per
    order, and a generator-based context manager costs three times as much)."""

    __slots__ = ("_policy", "_uow")

    def __init__(self, policy: CommitInBatches, uow: UnitOfWork) -> None:
        self._policy = policy
        self._uow = uow

    def __enter__(self) -> UnitOfWork:
        return self._uow

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        policy = self._policy
        if exc_type is not None:
            policy._discard()
            return
        # The step is counted here rather than in a method of the policy: a
        # replay ends several steps per order, and the call cost more than the
        # count (the batch still ends after exactly ``every`` steps).
        policy._pending += 1
        if policy._pending >= policy._every:
            policy.flush()


class ReportedBatches:
    """:class:`CommitInBatches`' steps, each one's store errors and commits told to
    a :class:`StoreResults` as a monitoring wrapper around the policy tells them.

    A replay takes several steps per order: a wrapper's step around the batch's
    step made three calls where one does (its ``__enter__`` and ``__exit__`` each
    called the batch step's); these steps do the batch step's work and the
    reporting in one. What is told is what such a wrapper tells: a store error
    raised in a step, by its rollback or by the commit that ends its batch counts
    one failure, a step that ends cleanly resets the count (only when it is not 0
    already), any other error counts nothing. Opening a batch's unit of work (in
    :meth:`step`) is not reported, as the wrapper did not report it either.
    """

    def __init__(self, policy: CommitInBatches, results: StoreResults) -> None:
        """Step through ``policy``'s batches; tell ``results``."""
        self._policy = policy
        self._results = results
        #: The step handed out for the policy's current unit of work.
        self._step: _ReportedBatchStep | None = None

    def step(self) -> _ReportedBatchStep:
        """The batch's step that reports to the results; opens a batch if none is."""
        step = self._step
        policy = self._policy
        if step is None or step._uow is not policy._uow:
            uow = policy.step()._uow  # the batch's unit of work, opened if need be
            step = self._step = _ReportedBatchStep(policy, uow, self._results)
        return step

    def flush(self) -> None:
        """Flush the policy; a store error counts."""
        flush_reporting(self._policy, self._results)


class _ReportedBatchStep(_BatchStep):
    """One step of :class:`ReportedBatches`: a :class:`_BatchStep` that reports."""

    __slots__ = ("_results",)

    def __init__(
        self, policy: CommitInBatches, uow: UnitOfWork, results: StoreResults
    ) -> None:
        super().__init__(policy, uow)
        self._results = results

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        policy = self._policy
        if exc_type is not None:
            try:
                policy._discard()
            except StoreError:
                self._results.on_store_result(failed=True)
                raise
            if issubclass(exc_type, StoreError):
                self._results.on_store_result(failed=True)
            return
        # :meth:`_BatchStep.__exit__`'s count, inline (see there).
        policy._pending += 1
        if policy._pending >= policy._every:
            try:
                policy.flush()
            except StoreError:
                self._results.on_store_result(failed=True)
                raise
        # A committed unit resets the count: nothing to do when it is 0 already.
        if self._results.store_errors:
            self._results.on_store_result(failed=False)
