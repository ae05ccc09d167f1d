"""numba's cache is cleared when any simulation source changes (simulation/_cache.py)."""

from simulation import _cache


def _fake_package(tmp_path, monkeypatch):
    pkg = tmp_path / "simulation"
    (pkg / "kernels" / "__pycache__").mkdir(parents=True)
    (pkg / "engine.py").write_text("def step_month(): pass\n")
    (pkg / "kernels" / "work.py").write_text("def work(): return 1\n")
    monkeypatch.setattr(_cache, "PACKAGE", pkg)
    monkeypatch.setattr(_cache, "STAMP", pkg / "__pycache__" / "backbone-kernels.sha256")
    return pkg


def _cache_files(pkg):
    for name in ("work.work-1.py311.nbi", "work.work-1.py311.1.nbc"):
        (pkg / "kernels" / "__pycache__" / name).write_bytes(b"compiled")
    return sorted(p.name for p in pkg.rglob("*.nb?"))


def test_edit_to_a_callee_clears_the_cache(tmp_path, monkeypatch):
    pkg = _fake_package(tmp_path, monkeypatch)
    assert len(_cache_files(pkg)) == 2
    assert _cache.ensure_fresh() is True          # first import: no stamp yet, cache cleared
    assert list(pkg.rglob("*.nb?")) == []
    _cache_files(pkg)
    assert _cache.ensure_fresh() is False         # same sources: the cache is kept
    assert len(list(pkg.rglob("*.nb?"))) == 2
    (pkg / "kernels" / "work.py").write_text("def work(): return 2\n")  # a callee changes
    assert _cache.ensure_fresh() is True
    assert list(pkg.rglob("*.nb?")) == []


def test_stamp_matches_the_installed_sources():
    # Importing simulation stamped the cache with the current sources.
    assert _cache.STAMP.read_text().strip() == _cache.source_hash()
