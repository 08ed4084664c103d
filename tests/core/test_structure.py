"""The event core's structure: imports go one way, and nothing reads another module's
private fields of the network builder."""

from __future__ import annotations

import ast
from pathlib import Path

import neurosparse.core

CORE = Path(neurosparse.core.__file__).resolve().parent


def _module_name(path: Path) -> str:
    rel = path.relative_to(CORE.parent.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _core_imports() -> dict[str, set[str]]:
    """Module -> the core modules it imports (anywhere in its body), ``from pkg import
    sub`` counted as an import of ``pkg.sub`` when ``sub`` is a module."""
    modules = {_module_name(p): p for p in CORE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        deps = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    sub = f"{node.module}.{alias.name}"
                    deps.add(sub if sub in modules else node.module)
            elif isinstance(node, ast.Import):
                deps.update(alias.name for alias in node.names)
        graph[name] = {d for d in deps if d in modules and d != name}
    return graph


def test_no_import_cycle_in_the_core():
    graph = _core_imports()
    visiting, done, cycles = set(), set(), []

    def visit(node, path):
        visiting.add(node)
        for dep in sorted(graph[node]):
            if dep in visiting:
                cycles.append(path[path.index(dep):] + [dep] if dep in path else path + [dep])
            elif dep not in done:
                visit(dep, path + [dep])
        visiting.discard(node)
        done.add(node)

    for node in sorted(graph):
        if node not in done:
            visit(node, [node])
    assert not cycles, f"import cycles: {cycles}"


def test_no_module_reads_the_builders_private_fields():
    private = ("_populations", "_projection_specs", "_spike_monitors", "_state_monitors",
               "_run_seed", "_compiled")
    offenders = []
    for path in CORE.parent.rglob("*.py"):
        if path.name == "network.py" and path.parent == CORE:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in private and not (
                    isinstance(node.value, ast.Name) and node.value.id == "self"):
                offenders.append(f"{path.relative_to(CORE.parent)}:{node.lineno} .{node.attr}")
    assert not offenders, offenders


def test_the_engine_names_no_model():
    """Models live in their files; the engine reaches them only through the registry."""
    names = {"LIF", "IF", "AdaptiveLIF", "Izhikevich", "MaxPlusLIF", "DiscreteLIF", "QIF", "lif",
             "izhikevich", "adaptive_lif", "maxplus_lif", "discrete_lif", "qif", "DiscreteCubaLIF",
             "discrete_cuba_lif"}
    for path in (CORE / "engine").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Name | ast.Attribute):
                name = node.id if isinstance(node, ast.Name) else node.attr
                assert name not in names, f"{path.name}:{node.lineno} names {name}"
            allowed = ("neurosparse.core.models", "neurosparse.core.models.elementwise")
            if isinstance(node, ast.ImportFrom) and node.module:  # the registry and tools only
                assert node.module in allowed or not node.module.startswith(
                    "neurosparse.core.models"), f"{path.name} imports {node.module}"


def test_numba_uses_tbb_from_a_plain_install():
    """The tbb wheel's library is in the environment's lib/, off the loader's path: the
    engine loads it so that Numba's TBB layer starts (not OpenMP's spinning workers)."""
    import platform
    import subprocess
    import sys
    from importlib.metadata import PackageNotFoundError, version

    try:
        version("tbb")
    except PackageNotFoundError:
        import pytest

        pytest.skip("the tbb wheel is not installed (it is on x86-64 Linux)")
    if not sys.platform.startswith("linux") or platform.machine() != "x86_64":
        import pytest

        pytest.skip("TBB is installed on x86-64 Linux only")
    # the layer is chosen once per process, at its first parallel region: a small parallel
    # function after importing the engine shows which one the kernels get
    code = ("import numba, numpy as np\n"
            "import neurosparse.core.engine\n"
            "f = numba.njit(parallel=True)(lambda x: np.sum(x * 2.0))\n"
            "f(np.ones(1000))\n"
            "print(numba.threading_layer())\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600,
                         env={**__import__("os").environ, "NUMBA_THREADING_LAYER": "default"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "tbb"


def test_kernel_caches_are_stamped_with_every_compiled_source(tmp_path):
    """An edit of a model file (not only of the kernel's own file) invalidates the kernels."""
    import os

    from neurosparse.core.engine import _cache, serial

    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "lif.py").write_text("x = 1\n")
    (tmp_path / "synapses.py").write_text("y = 2\n")
    before = _cache.fingerprint(tmp_path, ("models", "synapses.py"))
    os.utime(tmp_path / "models" / "lif.py", ns=(1, 1))
    assert _cache.fingerprint(tmp_path, ("models", "synapses.py")) != before
    locator = serial.run_chunk._cache._impl.locator
    assert isinstance(locator, _cache._CoreLocator)
    assert locator.get_source_stamp()[1] == _cache.core_fingerprint()
    for source in _cache.COMPILED_SOURCES:  # every file with compiled code is covered
        assert (CORE / source).exists()
    compiled = {p.relative_to(CORE).parts[0] for p in CORE.rglob("*.py") if "njit" in p.read_text()}
    assert compiled <= set(_cache.COMPILED_SOURCES)
