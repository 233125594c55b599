"""The site index shows every field as text: nothing a scenario says becomes markup."""

from __future__ import annotations

from html.parser import HTMLParser

from gdanim.report.site import Card, write_index

EVIL = '<b id="x">bold</b> & "quoted" <script>alert(1)</script>'


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.titles: list[str] = []
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_title = ("class", "card-title") in attrs

    def handle_endtag(self, tag):
        self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.titles.append(data)


def test_every_field_of_every_card_and_failure_is_escaped(tmp_path):
    card = Card("one", EVIL, EVIL, EVIL, "compare.png", EVIL)
    html = write_index(tmp_path, [card], [(f"{EVIL}.yaml", EVIL)], "en", None).read_text(encoding="utf-8")
    parser = Tags()
    parser.feed(html)
    assert not [t for t, attrs in parser.tags if t in ("b", "script")]
    assert not [attrs for _, attrs in parser.tags if "id" in attrs and attrs["id"] == "x"]
    assert parser.titles == [EVIL]
    assert html.count("&lt;b id=&#34;x&#34;&gt;") + html.count('&lt;b id="x"&gt;') >= 5
