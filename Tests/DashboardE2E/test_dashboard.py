"""The dashboard against a real cluster, in a real browser, scraped by a real Prometheus.

Starts two `evod` islands, a farm broker and a worker on loopback (a small task), then
`evoctl dashboard`; drives Debian's headless Chromium with selenium (offline: the system browser
and driver, SE_OFFLINE=true) and runs Debian's Prometheus against `/metrics`. Screenshots are kept
in $EVOD_DASHBOARD_ARTEFACTS (default .build/dashboard-artefacts/). Run by `make test`:
EVOD=.build/debug/evod EVOCTL=.build/debug/evoctl .venv-dash/bin/python -m unittest discover -s Tests/DashboardE2E
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EVOD = os.path.abspath(os.environ.get("EVOD", os.path.join(ROOT, ".build/debug/evod")))
EVOCTL = os.path.abspath(os.environ.get("EVOCTL", os.path.join(ROOT, ".build/debug/evoctl")))
ARTEFACTS = os.path.abspath(os.environ.get("EVOD_DASHBOARD_ARTEFACTS", os.path.join(ROOT, ".build/dashboard-artefacts")))

TASK = """
[prefbandit]
pairs = 64
heldout_prompts = 32
responses = 8
features = 8
steps = 100
batch_size = 16
learning_rate = 0.03
[stage1]
betas = [0.1]
seeds = [1]
[stage2]
betas = [0.1, 1.0]
seeds = [1]
"""


def free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def get(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as reply:
        return reply.status, reply.read().decode()


def wait(what, condition, seconds=120):
    deadline = time.time() + seconds
    last = None
    while time.time() < deadline:
        try:
            last = condition()
            if last:
                return last
        except Exception as error:  # a peer still starting
            last = error
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what} (last: {last})")


class DashboardTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.directory = tempfile.mkdtemp(prefix="evod-dashboard-e2e-")
        os.makedirs(ARTEFACTS, exist_ok=True)
        ports = free_ports(9)
        cls.config = os.path.join(cls.directory, "cluster.toml")
        with open(os.path.join(cls.directory, "task.toml"), "w") as f:
            f.write(TASK)
        with open(os.path.join(cls.directory, "policy.toml"), "w") as f:
            f.write('topology = "ring"\nevery_generations = 2\nemigrants = 1\n')
        with open(cls.config, "w") as f:
            f.write(f"""state_directory = "state"
task = "task.toml"
migration = "policy.toml"
evaluator = "farm"
island_control_ports = [{ports[0]}, {ports[1]}]
island_migration_ports = [{ports[2]}, {ports[3]}]
[island]
children_per_generation = 6
confirm_top_k = 2
seed_losses = ["dpo", "ipo", "slic", "exponential", "sppo_hard"]
[farm]
islands_port = {ports[4]}
workers_port = {ports[5]}
control_port = {ports[6]}
""")
        cls.prometheus_port, cls.dashboard_port = ports[7], ports[8]
        cls.processes, cls.logs = [], []
        # The cluster key every process needs (CURVE is on by default), as a user makes it.
        subprocess.run([EVOCTL, "keys", "--config", "cluster.toml"], cwd=cls.directory, check=True, stdout=subprocess.DEVNULL)
        for role in (["--farm"], ["--worker", "--threads", "2"], ["--island", "1"], ["--island", "2"]):
            log = open(os.path.join(cls.directory, "-".join(r.strip("-") for r in role) + ".log"), "w")
            cls.logs.append(log)
            cls.processes.append(subprocess.Popen([EVOD, *role, "--config", "cluster.toml"], cwd=cls.directory, stdout=log, stderr=log))
        wait("four generations on each island", lambda: all(
            i.get("generation", 0) >= 4 for i in cls.evoctl_json("status")["islands"]))
        cls.dashboard = subprocess.Popen(
            [EVOCTL, "dashboard", "--config", "cluster.toml", "--port", str(cls.dashboard_port)], cwd=cls.directory,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        banner = cls.dashboard.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", banner)
        if not match:
            raise AssertionError(f"the dashboard did not say where it listens: {banner!r}")
        cls.url = f"http://127.0.0.1:{match.group(1)}"

    @classmethod
    def tearDownClass(cls):
        for process in [getattr(cls, "dashboard", None), *getattr(cls, "processes", [])]:
            if process and process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in [getattr(cls, "dashboard", None), *getattr(cls, "processes", [])]:
            if process:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
        if getattr(cls, "dashboard", None):
            cls.dashboard.stdout.close()
        for log in getattr(cls, "logs", []):
            log.close()
        shutil.rmtree(cls.directory, ignore_errors=True)

    @classmethod
    def evoctl_json(cls, *arguments):
        output = subprocess.run([EVOCTL, *arguments, "--config", "cluster.toml", "--json"], cwd=cls.directory,
                                capture_output=True, text=True, check=True).stdout
        return json.loads(output)

    @staticmethod
    def browser():
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        os.environ["SE_OFFLINE"] = "true"
        options = webdriver.ChromeOptions()
        options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
        for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1500"):
            options.add_argument(argument)
        return webdriver.Chrome(service=Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)

    def test_api_status_equals_evoctl_status(self):
        subprocess.run([EVOCTL, "pause", "--config", "cluster.toml"], cwd=self.directory, check=True, capture_output=True)
        try:
            # Paused islands finish their generation; then nothing moves but the clocks.
            def settled():
                first = self.evoctl_json("status")
                time.sleep(1.5)
                second = self.evoctl_json("status")
                return all(i["state"] == "paused" for i in second["islands"]) and strip(first) == strip(second)

            def strip(report):
                report = json.loads(json.dumps(report))
                for island in report["islands"]:
                    island.pop("uptime_s", None)
                if report.get("farm"):
                    for key in ("uptime_s", "busy_s"):
                        report["farm"].pop(key, None)
                return report

            wait("the paused cluster to settle", settled, seconds=90)
            _, api = get(self.url + "/api/status")
            self.assertEqual(strip(json.loads(api)), strip(self.evoctl_json("status")))
            self.assertEqual(len(json.loads(api)["islands"]), 2)
        finally:
            subprocess.run([EVOCTL, "resume", "--config", "cluster.toml"], cwd=self.directory, check=True, capture_output=True)

    def test_bad_requests_are_4xx(self):
        for path, status in (("/islands/9", 404), ("/islands/x", 400), ("/api/best?top=x", 400), ("/nowhere", 404)):
            with self.assertRaises(urllib.error.HTTPError) as raised:
                get(self.url + path)
            self.assertEqual(raised.exception.code, status, path)
        self.assertEqual(get(self.url + "/")[0], 200, "the dashboard survives them")

    def test_the_browser_sees_the_islands_the_best_loss_and_the_archive(self):
        from selenium.webdriver.common.by import By
        best = self.evoctl_json("best", "--top", "1")[0]
        driver = self.browser()
        try:
            driver.get(self.url + "/")
            rows = driver.find_elements(By.CSS_SELECTOR, "#islands tbody tr")
            self.assertEqual([r.find_element(By.TAG_NAME, "td").text for r in rows], ["1", "2"])
            self.assertIn(best["name"], driver.find_element(By.ID, "best").text)
            # The live part refreshes without a reload.
            wait("a refresh of the live part", lambda: driver.execute_script("return document.body.dataset.refreshed"), seconds=15)
            driver.save_screenshot(os.path.join(ARTEFACTS, "cluster.png"))

            # The archive only grows while the islands run: read through the API just before and just
            # after the page, it brackets the page's cells.
            before = json.loads(get(self.url + "/api/islands/1/archive")[1])
            driver.get(self.url + "/islands/1")
            cells = driver.find_elements(By.CSS_SELECTOR, "svg.heatmap rect.cell")
            after = json.loads(get(self.url + "/api/islands/1/archive")[1])
            self.assertGreaterEqual(len(cells), len(before["cells"]))
            self.assertLessEqual(len(cells), len(after["cells"]))
            driver.save_screenshot(os.path.join(ARTEFACTS, "island-1.png"))

            candidate = cells[0].get_attribute("data-candidate")
            driver.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", cells[0])
            wait("the candidate page", lambda: driver.current_url.endswith(f"/islands/1/candidates/{candidate}"), seconds=15)
            self.assertIn(f"candidate #{candidate}", driver.find_element(By.TAG_NAME, "h1").text)
            self.assertEqual(len(driver.find_elements(By.CSS_SELECTOR, "#shape svg.chart")), 6, "l and l' at three betas")
            self.assertTrue(driver.find_element(By.ID, "canonical").text)
            driver.save_screenshot(os.path.join(ARTEFACTS, "candidate.png"))
        finally:
            driver.quit()

    def test_prometheus_scrapes_every_islands_series(self):
        storage = os.path.join(self.directory, "prometheus")
        config = os.path.join(self.directory, "prometheus.yml")
        with open(config, "w") as f:
            f.write(f"""global:
  scrape_interval: 1s
scrape_configs:
  - job_name: evod
    static_configs:
      - targets: ["127.0.0.1:{self.url.rsplit(':', 1)[1]}"]
""")
        log = open(os.path.join(self.directory, "prometheus.log"), "w")
        prometheus = subprocess.Popen(
            ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={storage}",
             f"--web.listen-address=127.0.0.1:{self.prometheus_port}"],
            stdout=subprocess.DEVNULL, stderr=log)
        try:
            def islands(metric):
                _, body = get(f"http://127.0.0.1:{self.prometheus_port}/api/v1/query?query={metric}")
                return sorted(r["metric"]["island"] for r in json.loads(body)["data"]["result"])

            for metric in ("evod_island_generation", "evod_island_qd_score", "evod_island_evaluations_total", "evod_island_up"):
                self.assertEqual(wait(f"{metric} in Prometheus", lambda: islands(metric) == ["1", "2"] and islands(metric), seconds=60), ["1", "2"])
            _, body = get(f"http://127.0.0.1:{self.prometheus_port}/api/v1/query?query=evod_farm_workers")
            self.assertEqual(json.loads(body)["data"]["result"][0]["value"][1], "1")
            # promtool agrees that the exposition is well formed.
            exposition = get(self.url + "/metrics")[1]
            check = subprocess.run(["promtool", "check", "metrics"], input=exposition, capture_output=True, text=True)
            self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        finally:
            prometheus.terminate()
            prometheus.wait(timeout=20)
            log.close()


if __name__ == "__main__":
    unittest.main()
