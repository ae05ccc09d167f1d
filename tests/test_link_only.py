"""Kernels compile into link-only libraries (simulation/kernels/jit.py): their IR is
linked into the entry points that call them, and numba neither optimizes it as a module
of its own nor emits machine code for it. Known answers through a jitted caller, and the
library's state checked directly."""

from __future__ import annotations

import numpy as np
from numba import njit

from backbone.simulation.kernels import common, jit


@jit.internal
def _planted(a, x):
    s = 0.0
    for i in range(a.shape[0]):
        s += a[i] * x
    return common.clip01(s)


@njit
def _caller(a, x):
    return _planted(a, x), common.count_active(a > 0.5)


def test_link_only_is_used_with_this_numba():
    assert jit._link_only_supported()
    assert _planted._compiler.pipeline_class is jit._LinkOnlyCompiler


def test_internal_functions_give_known_answers_through_a_caller():
    a = np.array([0.25, 0.5, 1.0])
    assert _caller(a, 0.5) == (0.875, 1)  # 0.125 + 0.25 + 0.5 (exact), one above 0.5
    assert _caller(a, 2.0) == (1.0, 1)    # 3.5 clipped
    assert _caller(a, -1.0) == (0.0, 1)   # -1.75 clipped


def test_an_internal_library_has_no_machine_code():
    _caller(np.array([0.25, 0.5, 1.0]), 0.5)
    (cres,) = _planted.overloads.values()
    library = cres.library
    assert isinstance(library, jit._LinkOnlyLibrary)
    modules = library._codegen._engine._ee._modules   # what LLVM's JIT turns into machine code
    (caller_cres,) = _caller.overloads.values()
    assert caller_cres.library._final_module in modules
    assert library._final_module not in modules
    assert library.get_pointer_to_function(cres.fndesc.mangled_name) == 0
    assert cres.fndesc.mangled_name in {f.name for f in library.get_defined_functions()}  # the IR is there
