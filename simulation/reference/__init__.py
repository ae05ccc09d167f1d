"""The reference implementation: the model's rules in plain Python, one agent at a time.

This package does, for a human reader, exactly what the numba kernels in
``simulation/kernels/`` do, in the order of ``simulation.engine.step_month``, one module
per kernel module (``funding.py`` mirrors ``kernels/funding.py``, and so on). It uses no
numba and no kernel code: partners, funders and beneficiaries are small objects, the
trust matrix a list of lists, and each process a function of the ``Partnership``
(``partnership.py``). Its docstrings point to the kernel and the ODD section that state
the rules; the equations are written once, in docs/ODD.md, and in code twice (here and in
the kernels) so that each checks the other. It draws the same uniforms from the same named streams
(``simulation.streams.make_streams``) in the same order, and computes the same
counter-based uniforms of process 7 (``person_uniform``, ``CounterStream``: SplitMix64 on
64-bit Python integers), so for the same (params, seed)
it gives the same monthly frame, event log and final state as ``simulation.simulate``:
it is the test oracle (tests/test_reference.py) and the baseline of the speed ratio.

Floating-point sums are accumulated in the kernels' order (explicit loops, never
``sum()``, whose rounding differs between Python versions), so the two paths agree to
the last bit in practice; the tests allow 1e-9.

Usage::

    from backbone.simulation.reference import simulate_reference
    res = simulate_reference({"n_beneficiaries": 500, "months": 24}, seed=1)
    res.monthly, res.events, res.state
"""

from .partnership import Partnership, simulate_reference


__all__ = ["Partnership", "simulate_reference"]
