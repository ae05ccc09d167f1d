"""`backbone app`: help, bad input as one line, and the browser files kept locally."""

from __future__ import annotations

import socket


from backbone.app.assets import missing_packages, required_packages
from backbone.cli.main import main


def test_help_has_an_example(capsys):
    assert main(["app", "--help"]) == 0    # main returns the status, --help and bad options included
    out = capsys.readouterr().out
    assert "backbone app --port 9000" in out and "--host" in out and "127.0.0.1" in out


def one_line_error(capsys, argv, *fragments):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    for fragment in fragments:
        assert fragment in err[0], err[0]


def test_port_out_of_range(capsys):
    one_line_error(capsys, ["app", "--port", "70000"], "backbone app: error:", "--port = 70000", "[0, 65535]")


def test_port_in_use(capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        one_line_error(capsys, ["app", "--port", str(port)], f"--port = {port}", "in use")


def test_browser_files_are_the_npm_packages_the_page_template_loads(tmp_path):
    specs = required_packages()
    assert any(s.startswith("@widgetti/solara-vuetify") for s in specs)
    assert any(s.startswith("requirejs@") for s in specs)
    assert all("@" in s.lstrip("@") for s in specs)  # exact versions
    assert missing_packages(tmp_path) == specs  # an empty cache lacks them all
    (tmp_path / specs[0]).mkdir(parents=True)
    assert missing_packages(tmp_path) == specs[1:]
