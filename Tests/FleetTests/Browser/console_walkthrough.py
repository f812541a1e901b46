"""The fleet console as a person uses it, in headless Chromium (Playwright driving the system's
Chromium): sign in, read the overview, filter to C5/C6 findings, open one, mark it reviewed,
switch to Chinese, export CSV. Every step checks the DOM, not only the status; screenshots in
English and Chinese are checked to be neither blank nor missing the expected text.

Usage: console_walkthrough.py URL USER PASSWORD OUTDIR
Prints one JSON object (steps passed, screenshots); exits 1 with the failed step on stderr."""

import json
import sys
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

url, user, password, out = sys.argv[1], sys.argv[2], sys.argv[3], Path(sys.argv[4])
out.mkdir(parents=True, exist_ok=True)
steps = []


def check(condition, step):
    if not condition:
        raise AssertionError(step)
    steps.append(step)


def not_blank(path):
    """A screenshot shows something: many distinct colours, not one flat page."""
    image = Image.open(path).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 20) or []
    return len(colours) > 50


def shoot(page, name):
    path = out / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    check(not_blank(path), f"screenshot {name} is not blank")
    return str(path)


errors = []
with sync_playwright() as playwright:
    browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True, locale="en-GB")
    page = context.new_page()
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(url + "/")
    check(page.url.startswith(url + "/login"), "an unsigned visitor is sent to sign in")
    page.fill("#user", user)
    page.fill("#password", password)
    page.click("#sign-in")
    page.wait_for_load_state()
    check(page.locator("#user-name").inner_text() == user, "signed in, the header names the user")

    check(page.locator("#gateways tbody tr").count() >= 1, "the overview lists the gateways")
    check(page.locator("#trend-chart rect.bar").count() >= 1, "the trend chart has bars")
    check(page.locator("#fleet-map path.edge").count() >= 1, "the fleet map has circuits")
    check("The fleet now" in page.inner_text("h1"), "the overview is in English")
    overview_en = shoot(page, "overview.en")

    page.goto(url + "/findings")
    page.check("input[name=category][value=C5_SERVICE_TO_OTHERS]")
    page.check("input[name=category][value=C6_SUBLEASE_OR_SHARED]")
    page.click("#apply")
    page.wait_for_load_state()
    categories = page.locator("#results td.category").all_inner_texts()
    check(len(categories) >= 1, "the C5/C6 filter finds findings")
    check(all(text.startswith(("C5", "C6")) for text in categories), "every result is C5 or C6")
    search_en = shoot(page, "search.en")

    page.locator("#results a.finding-link").first.click()
    page.wait_for_load_state()
    check(page.locator("#finding section.finding").count() == 1, "the finding page shows the report's finding section")
    for heading in ["Rationale", "Recommended action", "Citations", "Evidence", "Rules tried"]:
        check(heading in page.inner_text("#finding"), f"the finding shows its {heading}")
    page.check("input[name=decision][value=reviewed]")
    page.fill("#comment", "Reviewed in the browser walkthrough")
    page.click("#save-review")
    page.wait_for_load_state()
    check("The decision is recorded." in page.inner_text("#flash"), "the review is confirmed")
    check("Reviewed in the browser walkthrough" in page.inner_text("#reviews"), "the review is listed with its comment")
    check(user in page.inner_text("#reviews"), "the review names who made it")
    finding_en = shoot(page, "finding.en")
    page.emulate_media(media="print")
    check(not page.locator("header.bar").is_visible(), "printing drops the navigation")
    check(not page.locator("#review-form").is_visible(), "printing drops the form")
    page.pdf(path=str(out / "finding.en.pdf"))
    page.emulate_media(media="screen")

    page.click("#lang-zh")
    page.wait_for_load_state()
    check(page.locator("html").get_attribute("lang") == "zh-Hans", "the page declares Chinese")
    check("法务审阅" in page.inner_text("#reviews") or "已审阅" in page.inner_text("#reviews"), "the review reads in Chinese")
    check("理由" in page.inner_text("#finding") or "依据" in page.inner_text("#finding"), "the finding reads in Chinese")
    finding_zh = shoot(page, "finding.zh")
    page.goto(url + "/")
    check("网关群现状" in page.inner_text("h1"), "the language is remembered on the next page")
    overview_zh = shoot(page, "overview.zh")

    page.goto(url + "/findings?category=C5&category=C6")
    with page.expect_download() as download_info:
        page.click("#export-csv")
    download = download_info.value
    csv_path = out / "export.csv"
    download.save_as(str(csv_path))
    text = csv_path.read_text(encoding="utf-8")
    check(text.splitlines()[0].startswith("网关"), "the CSV export is in Chinese with its header")
    check("Reviewed in the browser walkthrough" in text, "the CSV export carries the review")
    check(len(text.splitlines()) >= 2, "the CSV export has the findings")

    check(not errors, f"no error in the browser console: {errors}")
    browser.close()

print(json.dumps({"steps": steps, "screenshots": [overview_en, search_en, finding_en, finding_zh, overview_zh]}))
