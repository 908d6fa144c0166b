# SPDX-License-Identifier: BSD-3-Clause
"""A real PostgreSQL 15 for the cluster tests, in a temp dir.

initdb refuses to run as root, so the server runs as an unprivileged
user (`nobody` when the test runs as root, else the test's own user),
in a directory that user owns; it listens on a Unix socket in that
directory only (listen_addresses='') unless a TCP port is asked for
(127.0.0.1 only: the cut-off test puts a proxy in front of it).

    pg = pgtest.Postgres(tmpdir)      # initdb + start
    pg.dsn                            # libpq connection string
    pg.sql("SELECT 1")                # psql -At, returns stdout
    pg.stop("immediate"); pg.start()
"""
import os
import pwd
import shutil
import subprocess
import time

BIN = "/usr/lib/postgresql/15/bin"


def available():
    return os.path.exists(os.path.join(BIN, "initdb")) and \
        shutil.which("psql") is not None


class Postgres:
    def __init__(self, parent, tcp_port=None):
        self.dir = os.path.join(parent, "pg")
        os.makedirs(self.dir)
        self.data = os.path.join(self.dir, "data")
        self.log = os.path.join(self.dir, "log")
        self.tcp_port = tcp_port
        self.user = "nobody" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
        if os.geteuid() == 0:
            pw = pwd.getpwnam(self.user)
            os.chmod(parent, 0o755)
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        self._as_user([os.path.join(BIN, "initdb"), "-D", self.data, "-A", "trust",
                       "-U", "xbgw", "--no-sync", "-E", "UTF8"])
        self.start()
        self.dsn = "host=%s dbname=postgres user=xbgw" % self.dir
        if tcp_port:
            # The Unix socket is named after the port (.s.PGSQL.<port>).
            self.dsn += " port=%d" % tcp_port
            self.tcp_dsn = "host=127.0.0.1 port=%d dbname=postgres user=xbgw" % tcp_port

    def _as_user(self, cmd, check=True):
        if os.geteuid() == 0:
            cmd = ["setpriv", "--reuid", self.user, "--regid", "nogroup",
                   "--clear-groups"] + cmd
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, cwd=self.dir)
        if check and p.returncode != 0:
            raise RuntimeError("%s failed: %s %s" % (cmd, p.stdout, p.stderr))
        return p

    def start(self):
        listen = "127.0.0.1" if self.tcp_port else "''"
        opts = "-c listen_addresses=%s -k %s -c fsync=off -c max_connections=50" % (
            listen, self.dir)
        if self.tcp_port:
            opts += " -p %d" % self.tcp_port
        self._as_user([os.path.join(BIN, "pg_ctl"), "-D", self.data, "-l", self.log,
                       "-o", opts, "-w", "start"])

    def stop(self, mode="fast"):
        self._as_user([os.path.join(BIN, "pg_ctl"), "-D", self.data, "-m", mode,
                       "-w", "stop"], check=False)

    def sql(self, text):
        port = ["-p", str(self.tcp_port)] if self.tcp_port else []
        p = subprocess.run(["psql", "-h", self.dir] + port + ["-U", "xbgw", "-d", "postgres",
                            "-At", "-v", "ON_ERROR_STOP=1", "-c", text],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if p.returncode != 0:
            raise RuntimeError("psql: %s" % p.stderr)
        return p.stdout.strip()

    def wait_sql(self, text, pred, timeout=30):
        """Poll text until pred(its output) holds; RuntimeError after
        timeout s (never a silent timeout that fails later elsewhere;
        clustertest.Cluster.wait_sql also shows the gateways' state)."""
        deadline = time.time() + timeout
        out = None
        while time.time() < deadline:
            try:
                out = self.sql(text)
                if pred(out):
                    return out
            except RuntimeError as e:
                out = str(e)
            time.sleep(0.2)
        raise RuntimeError("%s: no wanted answer within %d s (last: %r)" % (text, timeout, out))
