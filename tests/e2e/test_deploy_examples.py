"""The examples in deploy/ (docs/production.md). Neither a container nor a systemd unit can be run on these
machines, so what is checked is what can be: the nginx example passes `nginx -t` (Debian's nginx, with
self-signed test certificates in place of the real ones), and the Containerfile and the unit install and start
the bot the way the README does (`pip install` of the project itself, `panelbot run --no-console`), with no
secret in them and a non-root user.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
NGINX = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
SECRET_NAMES = ("TOKEN", "SECRET", "PASSWORD", "CLIENTSECRET", "DATABASE_URL")


def test_the_nginx_example_passes_nginx_t(tmp_path: Path) -> None:
    if NGINX is None:
        pytest.skip("nginx is not installed (apt-get install -y nginx)")
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed, so no test certificate can be made")
    example = (DEPLOY / "nginx.conf").read_text()
    cert, key = tmp_path / "fullchain.pem", tmp_path / "privkey.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=panel.example.org",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    site = tmp_path / "panelbot.conf"
    site.write_text(
        example.replace("/etc/letsencrypt/live/panel.example.org/fullchain.pem", str(cert)).replace(
            "/etc/letsencrypt/live/panel.example.org/privkey.pem", str(key)
        )
    )
    assert site.read_text() != example  # the certificate paths were the ones the example names
    main = tmp_path / "nginx.conf"
    main.write_text(
        f"pid {tmp_path / 'nginx.pid'};\n"
        f"error_log {tmp_path / 'error.log'};\n"
        "events {}\n"
        "http {\n"
        f"    client_body_temp_path {tmp_path / 'body'};\n"
        f"    include {site};\n"
        "}\n"
    )
    result = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(main)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr and "test is successful" in result.stderr


def test_the_nginx_example_serves_the_platform_routes_and_keeps_health_and_metrics_inside() -> None:
    text = (DEPLOY / "nginx.conf").read_text()
    for route in ("/slack/events", "/telegram/webhook", "/api/messages", "/calendar/", "/email/"):
        assert re.search(rf"location (= )?{re.escape(route)}\s*{{\s*proxy_pass http://panelbot;", text), route
    for internal in ("/healthz", "/readyz", "/metrics"):
        assert not re.search(rf"location[^{{]*{internal}", text), internal
    assert re.search(r"location / \{ return 404; \}", text)


def _run_lines(containerfile: str) -> list[str]:
    joined = re.sub(r"\\\n\s*", " ", containerfile)  # continuation lines joined
    return [line.strip()[4:] for line in joined.splitlines() if line.strip().startswith("RUN ")]


def test_the_containerfile_installs_and_starts_the_bot_as_the_readme_does() -> None:
    text = (DEPLOY / "Containerfile").read_text()
    readme = (ROOT / "README.md").read_text() + (ROOT / "docs" / "configuration.md").read_text()
    assert "pip install -e ." in readme and "'.[postgres]'" in readme  # the README's own install
    installs = [r for r in _run_lines(text) if "pip install" in r]
    assert installs and all(re.search(r"pip install '\.\[postgres\]'$", r) for r in installs), installs
    assert 'CMD ["panelbot", "run", "--no-console"]' in text
    assert re.search(r"^USER panelbot$", text, re.M)
    assert text.index("USER panelbot") > text.index("pip install")  # the bot runs as that user, not root
    assert re.search(r"^HEALTHCHECK .*\n?.*http://127\.0\.0\.1:8080/healthz", text, re.M)
    for line in text.splitlines():  # settings come from the environment at run time, never the image
        if line.startswith(("ENV", "ARG")) or line.startswith("    PANELBOT_"):
            assert not any(name in line.upper() for name in SECRET_NAMES), line
    assert not re.search(r"^COPY .*\.env", text, re.M)


def test_the_systemd_unit_runs_the_bot_as_its_own_user_and_stops_it_cleanly() -> None:
    text = (DEPLOY / "panelbot.service").read_text()
    keys = dict(re.findall(r"^(\w+)=(.*)$", text, re.M))
    assert keys["ExecStart"].endswith("/bin/panelbot run --no-console")
    assert keys["User"] not in ("root", "0")
    assert keys["EnvironmentFile"] == "/etc/panelbot/panelbot.env"
    assert keys["Restart"] == "on-failure" and keys["KillSignal"] == "SIGTERM"
    from bot.settings import Settings

    grace = Settings.model_fields["shutdown_grace"].default
    assert int(keys["TimeoutStopSec"]) > 3 * grace  # each of the stop's steps may take the grace
    assert "pip install '.[postgres]'" in text  # the same install as the README and the Containerfile
