"""How the kernels are compiled: numba machinery, no model rules.

- ``internal``: the decorator of every jitted function that only other jitted code calls
  (no Python wrapper, link-only library, not cached), with the link-only compiler it uses
  (``_LinkOnlyLibrary``, ``_LinkOnlyCompiler``: numba's private API, checked at import by
  ``_link_only_supported``);
- ``from_python``: a Python-callable copy of an ``internal`` function;
- ``borrowed``: the state's arrays lent to the kernels without reference counting.

The model's rules and vocabulary (event codes, helpers) are in common.py and the kernels.
See bench/README.md (Cold start) for what each of these saves.
"""

from numba import njit
from numba.core import cgutils, types
from numba.core.codegen import JITCodeLibrary
from numba.core.compiler import Compiler
from numba.extending import intrinsic


class _LinkOnlyLibrary(JITCodeLibrary):
    """The compiled code of an ``internal`` function: LLVM IR that callers link in, never
    machine code of its own. numba finalizes every library it compiles: it optimizes the
    module and emits its machine code, then, once linked into a caller, optimizes it again
    as part of the caller's module. For a function that only jitted code calls (no Python
    wrapper: the pointer it would give Python is null either way) the first full
    optimization and the machine code are unused: about 3 of the 4 s a cold start spent
    finalizing the kernels (bench/README.md, Cold start). The function passes numba runs
    on each function as it is added still run; the caller's module optimization (the
    entry point ``run_months``, which also initializes, at numba's usual level) does the rest,
    as before. No execution environment is set (nothing in an internal function uses one:
    an entry point loaded from the cache never sets its callees' either)."""

    def _optimize_final_module(self):
        return None

    def _finalize_final_module(self):
        self._finalize_dynamic_globals()
        self._verify_declare_only_symbols()
        self._finalized = True

    def get_pointer_to_function(self, name):
        self._ensure_finalized()
        return 0

    @property
    def codegen(self):
        return _NoEnvironment(self._codegen)


class _NoEnvironment:
    """A library's code generator, less ``set_env`` (see _LinkOnlyLibrary)."""

    def __init__(self, codegen):
        self._codegen = codegen

    def __getattr__(self, name):
        return getattr(self._codegen, name)

    def set_env(self, env_name, env):
        return None


class _LinkOnlyCompiler(Compiler):
    """numba's standard pipeline, compiling into a _LinkOnlyLibrary."""

    def compile_extra(self, func):
        if self.state.library is None:
            library = self.state.targetctx.codegen().create_library(func.__qualname__)
            library.__class__ = _LinkOnlyLibrary
            self.state.library = library
        return super().compile_extra(func)


def _link_only_supported() -> bool:
    """numba's private parts that _LinkOnlyLibrary relies on are there (checked at import:
    with another numba the kernels compile the usual way, only more slowly)."""
    return all(hasattr(JITCodeLibrary, name) for name in (
        "_optimize_final_module", "_finalize_final_module", "_finalize_dynamic_globals",
        "_verify_declare_only_symbols", "_ensure_finalized", "codegen"))


# The decorator of every jitted function that only other jitted code calls: compiled
# without the CPython and C-callable wrappers numba would otherwise build for each (a
# wrapper that boxes and unboxes the whole state costs about 0.4 s of a cold start per
# function, and nothing calls these from Python), into a link-only library (above), and
# not cached: numba links a callee's code into every caller, so the cached entry points
# (``engine.run_months``, which also initializes, and the app's interventions) load whole
# from their own cache files and never read a callee's. Caching the callees too wrote
# about 24 MB that no process read (0.4 s of a cold start). Call one from Python through
# ``from_python``.
internal = njit(cache=False, no_cpython_wrapper=True, no_cfunc_wrapper=True,
                **({"pipeline_class": _LinkOnlyCompiler} if _link_only_supported() else {}))


def from_python(fn):
    """A Python-callable copy of an ``internal`` function (for benchmarks and
    diagnostics), compiled on first call and not cached."""
    return njit(fn.py_func)


@intrinsic
def borrowed(typingctx, parts):
    """The same arrays (a tuple of arrays, nested tuples allowed), marked as borrowed: with
    no reference count (a null ``meminfo``), so that numba counts no reference to them in
    a kernel that takes them. numba counts one in and one out for every array of every
    tuple a function takes, an atomic operation each: about 700 a month for the kernels,
    whatever their work. ``run_months`` lends the state's arrays this way for the duration
    of its loop; the state it was given keeps them alive, and nothing a kernel does keeps
    an array after it returns. The values are the same arrays: reading and writing them is
    unchanged."""
    def ok(t):
        return isinstance(t, types.Array) or (isinstance(t, types.BaseTuple) and all(ok(e) for e in t))

    if not ok(parts):
        return None

    def codegen(context, builder, sig, args):
        def lend(t, v):
            if isinstance(t, types.Array):
                ary = context.make_array(t)(context, builder, value=v)
                ary.meminfo = cgutils.get_null_value(ary.meminfo.type)
                return ary._getvalue()
            for i, e in enumerate(t):
                v = builder.insert_value(v, lend(e, builder.extract_value(v, i)), i)
            return v
        return lend(sig.args[0], args[0])

    return parts(parts), codegen
