"""The run viewer: the page built from a scripted run (every sample in its JSON blob, nothing
loaded from the network), ``reasoner view --out`` and the served page, and (slow) the page
in a real headless Chromium: filters, and an item's programs."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from evals import report
from evals.data import DATA_DIR_ENV
from evals.records import SampleRecord
from evals.run import EvalConfig, load_run, run_eval
from evals.strategies import COT_SYSTEM, DIRECT_SYSTEM
from evals.tasks import get_task, select
from evals.viewer import DATA_ELEMENT_ID, build_data, build_page
from reasoner import prompting
from reasoner.cli import main
from reasoner.cli.view import Page, make_server, server_url
from reasoner.models.mock import MockEngine
from reasoner.types import Message

SHARED_DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
TASK = "gsm8k"
LIMIT = 4
STRATEGIES = "direct,cot@3,tool:python"
REPO = Path(__file__).resolve().parents[1]


class Script:
    """A scripted model with a known mix of outcomes per item (by its place in the run):
    direct is right on items 0 and 1; the cot votes agree, split 2-1 (right), or disagree (right
    once, then wrong); the program is right at once, right after a repair, never runs (the
    fallback answers), or gives a wrong value."""

    def __init__(self, items: Sequence[Any]) -> None:
        self.items = list(items)
        self.calls: Counter[tuple[str, str]] = Counter()

    def _item(self, text: str) -> tuple[int, Any]:
        found = [(n, i) for n, i in enumerate(self.items) if i.question.strip() in text]
        assert found, f"the script got a question it does not know: {text[-120:]!r}"
        return max(found, key=lambda pair: len(pair[1].question))

    def __call__(self, messages: Sequence[Message]) -> str:
        system, last = messages[0].content, messages[-1].content
        if prompting.RESULT_PREFIX in last and "Question:" in last:
            return last.rsplit(prompting.RESULT_PREFIX, 1)[1].strip()  # the final answer step
        n, item = self._item("\n".join(m.content for m in messages if m.role == "user"))
        gold = item.gold
        if system.startswith(DIRECT_SYSTEM.split("{")[0]):
            return gold if n < 2 else "-1"
        if system.startswith(COT_SYSTEM.split("{")[0]):
            self.calls["cot", item.id] += 1
            call = self.calls["cot", item.id]
            answer = gold if n == 0 or (n == 1 and call != 2) or (n == 2 and call == 1) else str(1000 + n + call)
            return f"Counting it up.\nThe answer is {answer}."
        self.calls["tool", item.id] += 1
        call = self.calls["tool", item.id]
        if (n == 1 and call == 1) or n == 2:
            return "```python\nanswer = (\n```"  # a syntax error
        value = gold if n < 2 else f"{gold} + 1"
        return f"```python\n# the total\nanswer = {value}\nlabel = 'done'\n```"


def make_run(out: Path) -> Path:
    items = select(get_task(TASK).load(progress=False).items, 0, LIMIT)
    config = EvalConfig(tasks=[TASK], strategies=[STRATEGIES], out=out, limit=LIMIT, seed=0, max_attempts=2,
                        argv=["test"])
    run_eval(config, model=MockEngine("script", responder=Script(items)), progress=False)
    return out


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One scripted run shared by the module's tests (they only read it)."""
    assert SHARED_DATASETS.is_dir(), f"expected the shared benchmark files at {SHARED_DATASETS}"
    base = tmp_path_factory.mktemp("viewer")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(DATA_DIR_ENV, str(SHARED_DATASETS))
        mp.setenv("REASONER_HOME", str(base / "home"))
        yield make_run(base / "run")


@pytest.fixture(scope="module")
def records(run_dir: Path) -> list[SampleRecord]:
    return load_run(run_dir)[1]


def page_data(page: str) -> dict[str, Any]:
    match = re.search(rf'<script type="application/json" id="{DATA_ELEMENT_ID}">(.*?)</script>', page, re.S)
    assert match, "the page has no data blob"
    data: dict[str, Any] = json.loads(match.group(1))
    return data


def external_references(page: str) -> list[str]:
    """URLs with a scheme, and src/href attributes pointing anywhere but the page itself."""
    found = re.findall(r"(?i)\b(?:https?|ftp|wss?):(?://)?[^\s\"'<>)]*", page)
    for attr in re.findall(r"(?i)\b(?:src|href|action)\s*=\s*[\"']([^\"']*)[\"']", page):
        if not (attr.startswith("#") or attr.startswith("data:")):
            found.append(attr)
    found += re.findall(r"(?i)@import|url\(\s*[\"']?(?!data:)", page)
    return found


# --------------------------------------------------------------------------- the page


def test_run_has_the_mix_the_filters_need(records: list[SampleRecord]) -> None:
    assert len(records) == LIMIT * 3
    assert {r.correct for r in records} == {True, False}
    assert any(r.error is not None for r in records)
    assert any(len(r.attempts) == 2 for r in records)
    bins = {report.agreement_bin(r.agreement) for r in records if r.agreement is not None}
    assert bins == set(report.AGREEMENT_BINS)


def test_blob_holds_every_sample(run_dir: Path, records: list[SampleRecord]) -> None:
    page = build_page([run_dir], plot=False)
    data = page_data(page)
    assert [(s["task"], s["id"], s["strategy"]) for s in data["samples"]] == [r.key for r in records]
    by_key = {(s["task"], s["id"], s["strategy"]): s for s in data["samples"]}
    for record in records:
        sample = by_key[record.key]
        assert sample["run"] == 0
        assert sample["gold"] == record.gold and sample["prediction"] == record.prediction
        assert sample["correct"] == record.correct
        assert [a["program"] for a in sample["attempts"]] == [a.program for a in record.attempts]
        assert sample["error_kind"] == (record.error.kind if record.error else None)
        assert (sample["agreement_bin"] is None) == (record.agreement is None)
    (run,) = data["runs"]
    assert run["label"] == "run" and run["samples"] == len(records) and run["model"] == "mock/script"
    assert [t["task"] for t in run["summary"]["tasks"]] == [TASK]
    assert data["plot"] is None


def test_plot_is_an_inline_png(run_dir: Path) -> None:
    data = build_data([run_dir])
    assert data["plot"].startswith("data:image/png;base64,")


def test_script_text_in_the_data_cannot_end_the_blob(run_dir: Path, records: list[SampleRecord],
                                                     tmp_path: Path) -> None:
    hostile = tmp_path / "hostile"
    shutil.copytree(run_dir, hostile, ignore=shutil.ignore_patterns(".lock"))
    nasty = "</script><script>alert(1)</script><!-- {{js}} & \u2028"
    record = records[0].model_copy(update={"id": "nasty", "question": nasty, "output": nasty})
    with (hostile / "samples.jsonl").open("a") as f:
        f.write(record.model_dump_json() + "\n")
    page = build_page([hostile], plot=False)
    assert page.count("</script>") == 2  # the data element's and the code's own
    samples = page_data(page)["samples"]
    assert samples[-1]["question"] == nasty and len(samples) == len(records) + 1


def test_two_runs_keep_their_labels(run_dir: Path, records: list[SampleRecord], tmp_path: Path) -> None:
    other = tmp_path / "other"
    shutil.copytree(run_dir, other, ignore=shutil.ignore_patterns(".lock"))
    data = build_data([run_dir, other], plot=False)
    assert [r["label"] for r in data["runs"]] == ["run", "other"]
    assert Counter(s["run"] for s in data["samples"]) == {0: len(records), 1: len(records)}


# --------------------------------------------------------------------------- the command


def test_out_writes_one_self_contained_file(run_dir: Path, records: list[SampleRecord], tmp_path: Path) -> None:
    out = tmp_path / "pages" / "page.html"
    result = CliRunner().invoke(main, ["view", str(run_dir), "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert external_references(page) == []
    assert "http://" not in page and "https://" not in page
    assert "Content-Security-Policy" in page
    assert len(page_data(page)["samples"]) == len(records)
    assert "<script src" not in page and "<link" not in page


def test_view_refuses_a_directory_without_a_run(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["view", str(tmp_path), "--out", str(tmp_path / "p.html")])
    assert result.exit_code == 1
    assert "not a run directory" in result.output
    assert not (tmp_path / "p.html").exists()


def test_cli_serves_on_localhost_and_stops_on_ctrl_c(run_dir: Path, records: list[SampleRecord]) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-c", "from reasoner.cli import main; main()", "view", str(run_dir), "--no-plot"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=REPO,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", line), line
        with urllib.request.urlopen(line, timeout=30) as response:
            assert response.status == 200
            assert response.headers["Content-Type"] == "text/html; charset=utf-8"
            assert "default-src 'none'" in response.headers["Content-Security-Policy"]
            page = response.read().decode("utf-8")
        assert len(page_data(page)["samples"]) == len(records)
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(line + "elsewhere", timeout=30)
        assert missing.value.code == 404
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_served_page_follows_a_growing_run(run_dir: Path, records: list[SampleRecord], tmp_path: Path) -> None:
    growing = tmp_path / "growing"
    shutil.copytree(run_dir, growing, ignore=shutil.ignore_patterns(".lock"))
    lines = (growing / "samples.jsonl").read_text().splitlines(keepends=True)
    (growing / "samples.jsonl").write_text("".join(lines[:3]))
    with serving([growing]) as url:
        assert len(page_data(fetch(url))["samples"]) == 3
        (growing / "samples.jsonl").write_text("".join(lines))
        assert len(page_data(fetch(url))["samples"]) == len(records)


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        text: str = response.read().decode("utf-8")
        return text


class serving:
    """``reasoner view``'s server in a thread of this process, stopped on exit."""

    def __init__(self, run_dirs: Sequence[Path], plot: bool = False) -> None:
        self.server = make_server(Page(list(run_dirs), plot=plot))
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        return server_url(self.server)

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


# --------------------------------------------------------------------------- a real browser


CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")


@pytest.fixture
def browser() -> Iterator[Any]:
    # Setup installs both (make setup: the system packages and the dev extra); a machine
    # without them fails here rather than passing a browser test it never ran.
    assert CHROMIUM and CHROMEDRIVER, "needs Debian's chromium and chromium-driver: run make setup"
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1400,1000"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_browser_filters_and_opens_an_item(browser: Any, run_dir: Path, records: list[SampleRecord]) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    def rows() -> list[Any]:
        return list(browser.find_elements(By.CSS_SELECTOR, "#sample-rows tr.sample"))

    def count() -> int:
        return int(browser.find_element(By.ID, "count").get_attribute("data-count"))

    wrong = [r for r in records if not r.correct]
    assert 0 < len(wrong) < len(records)
    with serving([run_dir], plot=True) as url:
        browser.get(url)
        wait = WebDriverWait(browser, 30)
        wait.until(lambda d: len(rows()) == len(records))
        assert count() == len(records)
        summary = browser.find_element(By.CSS_SELECTOR, "#runs table.summary").text
        assert TASK in summary and "cot@3" in summary and "tool:python" in summary
        assert browser.find_element(By.CSS_SELECTOR, "#plot img").get_attribute("src").startswith("data:image/png")

        # only wrong answers
        Select(browser.find_element(By.ID, "filter-correct")).select_by_value("wrong")
        wait.until(lambda d: len(rows()) == len(wrong))
        assert count() == len(wrong)
        assert {r.get_attribute("data-correct") for r in rows()} == {"false"}
        assert sorted((r.get_attribute("data-id"), r.get_attribute("data-strategy")) for r in rows()) == sorted(
            (r.id, r.strategy) for r in wrong)

        # and of those, only the tool strategy's
        tool_wrong = [r for r in wrong if r.strategy == "tool:python"]
        Select(browser.find_element(By.ID, "filter-strategy")).select_by_value("tool:python")
        wait.until(lambda d: len(rows()) == len(tool_wrong))

        # open an item: every strategy of it side by side, the program in a code block
        sample = next(r for r in tool_wrong if r.attempts and r.attempts[-1].result.ok)  # a wrong value
        target = next(r for r in rows() if r.get_attribute("data-id") == sample.id)
        target.find_element(By.TAG_NAME, "td").click()
        wait.until(lambda d: d.find_element(By.ID, "item-view").is_displayed())
        assert not browser.find_element(By.ID, "list-view").is_displayed()
        columns = browser.find_elements(By.CSS_SELECTOR, "#item-view article.strategy")
        same_item = [r for r in records if (r.task, r.id) == (sample.task, sample.id)]
        assert sorted(c.get_attribute("data-strategy") for c in columns) == sorted(r.strategy for r in same_item)
        tool = next(c for c in columns if c.get_attribute("data-strategy") == "tool:python")
        blocks = tool.find_elements(By.CSS_SELECTOR, "pre > code.program")
        assert [b.text.strip() for b in blocks] == [a.program.strip() for a in sample.attempts]
        assert all(b.get_attribute("data-language") == "python" for b in blocks)
        assert tool.find_elements(By.CSS_SELECTOR, "code.program span.tok-kw, code.program span.tok-num")
        assert sample.gold in browser.find_element(By.CSS_SELECTOR, "#item-view .gold").text
        assert tool.find_element(By.CSS_SELECTOR, ".prediction").text == (sample.prediction or "–")

        # back to the list, filters kept
        browser.back()
        wait.until(lambda d: d.find_element(By.ID, "list-view").is_displayed())
        assert count() == len(tool_wrong)

        # reset, then the votes that split
        browser.find_element(By.ID, "filter-reset").click()
        wait.until(lambda d: len(rows()) == len(records))
        split = [r for r in records if r.agreement is not None and report.agreement_bin(r.agreement) == "split"]
        Select(browser.find_element(By.ID, "filter-agreement")).select_by_value("split")
        wait.until(lambda d: len(rows()) == len(split))

        errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
        assert errors == []


def test_script_outcomes_are_spread(records: list[SampleRecord]) -> None:
    """The browser test's filter steps each keep some rows and drop some."""
    by_strategy: dict[str, list[bool]] = defaultdict(list)
    for r in records:
        by_strategy[r.strategy].append(r.correct)
    assert all(len(set(v)) == 2 for v in by_strategy.values()), by_strategy
