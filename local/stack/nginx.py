"""nginx for the native stack: local/nginx.conf rendered with its ports and paths."""

from __future__ import annotations

import functools
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .config import LOCALHOST, NGINX_TEMPLATE, UPSTREAM_HEALTH, StackError

# nginx's own variables are lower-case, so only these are template placeholders.
_PLACEHOLDER = re.compile(r"\$\{(LB_[A-Z_]+)\}")
# What a list of origins may hold: it is put into a quoted string of the configuration.
_ORIGINS = re.compile(r"[A-Za-z0-9.:/,\[\] -]*")


def render_template(template: str, values: dict[str, str]) -> str:
    """Fill ``${LB_*}`` placeholders like envsubst; refuse to leave any unfilled."""
    missing = sorted(set(_PLACEHOLDER.findall(template)) - set(values))
    if missing:
        raise StackError(f"no value for nginx.conf placeholders: {', '.join(missing)}")
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


@functools.cache
def nginx_version(nginx: str) -> tuple[int, ...]:
    """The version of the nginx binary at ``nginx``; (0, 0, 0) when it does not say."""
    done = subprocess.run([nginx, "-v"], capture_output=True, text=True, timeout=10, check=False)
    found = re.search(r"nginx/(\d+)\.(\d+)\.(\d+)", done.stderr + done.stdout)
    return tuple(int(part) for part in found.groups()) if found else (0, 0, 0)


@dataclass(frozen=True)
class NginxSite:
    """The load balancer of one stack: where it listens, its upstreams, its files."""

    port: int
    worker_ports: tuple[int, ...]
    log_dir: Path
    nginx_dir: Path  # the prefix: configuration, pid file, temp files
    cors_allowed_origins: str = ""  # the app's CORS_ALLOWED_ORIGINS

    @property
    def conf(self) -> Path:
        """The rendered configuration file."""
        return self.nginx_dir / "nginx.conf"

    def render(self) -> str:
        """local/nginx.conf with this site's ports and paths filled in."""
        servers = " ".join(
            f"server {LOCALHOST}:{port} {UPSTREAM_HEALTH};" for port in self.worker_ports
        )
        values = {
            "LB_LISTEN": f"{LOCALHOST}:{self.port}",
            "LB_UPSTREAM_SERVERS": servers,
            "LB_ACCESS_LOG": str(self.log_dir / "nginx-access.log"),
            "LB_ERROR_LOG": str(self.log_dir / "nginx-error.log"),
            "LB_PID_FILE": str(self.nginx_dir / "nginx.pid"),
            "LB_TEMP_DIR": str(self.nginx_dir / "tmp"),
            "LB_CORS_ALLOWED_ORIGINS": self.cors_allowed_origins,
        }
        if not _ORIGINS.fullmatch(self.cors_allowed_origins):
            raise StackError(
                f"CORS_ALLOWED_ORIGINS is not a list of origins: {self.cors_allowed_origins!r}"
            )
        return render_template(NGINX_TEMPLATE.read_text(), values)

    def write(self) -> None:
        """Render the configuration into :attr:`conf`."""
        (self.nginx_dir / "tmp").mkdir(parents=True, exist_ok=True)
        self.conf.write_text(self.render())

    def args(self, nginx: str) -> list[str]:
        """Command-line options pointing ``nginx`` at this site's files."""
        args = ["-p", str(self.nginx_dir), "-c", str(self.conf)]
        if nginx_version(nginx) >= (1, 19, 5):
            # Messages from before the configuration is read go to our log too, not to
            # the system's /var/log/nginx (older nginx has no -e).
            args += ["-e", str(self.log_dir / "nginx-error.log")]
        return args

    def check(self, nginx: str) -> subprocess.CompletedProcess[str]:
        """``nginx -t`` on the rendered configuration."""
        argv = [nginx, "-t", *self.args(nginx)]
        return subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)

    def argv(self, nginx: str) -> list[str]:
        """nginx in the foreground on this site, as the stack runs it."""
        return [nginx, *self.args(nginx), "-g", "daemon off;"]
