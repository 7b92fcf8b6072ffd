"""The .html reader: only the main content, located by the heading anchors, tables as grids, Japanese encodings."""

from __future__ import annotations

from pathlib import Path

import pytest

from koritsu_search.ingest.formats.base import Extract, FormatError, GridCell
from koritsu_search.ingest.formats.html import Html

PAGE = """<!DOCTYPE html>
<html lang="ja">
<head><meta charset="utf-8">
<title>孤独・孤立対策の取組 | 内閣府</title>
<link rel="canonical" href="https://www.example.go.jp/kodoku/torikumi.html">
<script>var menu = "スクリプトの文字列";</script><style>p { color: red }</style>
</head>
<body>
<div id="wrapper" class="container">
  <div id="skip"><a href="#main">本文へ移動</a></div>
  <div id="header"><p class="logo"><a href="/">内閣府</a></p>
    <form><input type="text" name="q"><button>サイト内検索</button></form></div>
  <div id="gnav"><ul><li><a href="/a">政策について</a></li><li><a href="/b">報道発表</a></li></ul></div>
  <div class="breadcrumb"><a href="/">ホーム</a> &gt; <a href="/k">孤独・孤立対策</a> &gt; 取組</div>
  <div id="main">
    <h1>孤独・孤立対策の取組</h1>
    <p>孤独・孤立は、人生のあらゆる場面で誰にでも起こり得るものです。&nbsp;政府は対策を推進しています。</p>
    <h2 id="soudan">相談窓口</h2>
    <p>悩みを抱える方は、次の窓口に相談できます。<br>
       電話・SNSのいずれでも受け付けています。</p>
    <ul>
      <li>電話相談（毎日）</li>
      <li>・SNS相談</li>
      <li>1. 対面相談</li>
    </ul>
    <h2><a name="data"></a>統計データ</h2>
    <table>
      <tr><th rowspan="2">区分</th><th colspan="2">回答</th></tr>
      <tr><th>ある</th><th>ない</th></tr>
      <tr><td>男性</td><td>4.1%</td><td>95.9%</td></tr>
    </table>
    <h3>補足</h3>
    <div>調査は令和６年に行いました。　全角空白は残ります。 A &amp; B</div>
  </div>
  <div id="side"><h2>関連リンク</h2><ul><li><a href="/x">こども家庭庁</a></li></ul></div>
  <footer><p>内閣府　〒100-8914 東京都千代田区永田町1-6-1</p></footer>
  <div class="pagetop"><a href="#wrapper">ページの先頭へ</a></div>
</div>
</body></html>
"""


def read(data: bytes) -> Extract:
    return Html().read(data, max_bytes=None)


def lines_of(ex: Extract) -> list[tuple[str, str]]:
    return [(ln.text, ln.locator) for part in ex.parts for ln in part.lines]


def test_only_the_main_content_with_heading_anchors() -> None:
    ex = read(PAGE.encode("utf-8"))
    assert lines_of(ex) == [
        ("# 孤独・孤立対策の取組", "#main"),
        ("孤独・孤立は、人生のあらゆる場面で誰にでも起こり得るものです。 政府は対策を推進しています。", "#main"),
        ("## 相談窓口", "#soudan"),
        ("悩みを抱える方は、次の窓口に相談できます。", "#soudan"),
        ("電話・SNSのいずれでも受け付けています。", "#soudan"),
        ("・電話相談（毎日）", "#soudan"),
        ("・SNS相談", "#soudan"),
        ("1. 対面相談", "#soudan"),
        ("## 統計データ", "#data"),
        ("### 補足", "#data"),  # no anchor of its own: the nearest one above
        ("調査は令和６年に行いました。　全角空白は残ります。 A & B", "#data"),
    ]
    text = "\n".join(t for t, _ in lines_of(ex))
    for furniture in ("本文へ移動", "政策について", "報道発表", "ホーム", "サイト内検索", "関連リンク", "こども家庭庁",
                      "永田町", "ページの先頭へ", "スクリプトの文字列", "color"):
        assert furniture not in text
    assert ex.title == "孤独・孤立対策の取組"
    assert ex.metadata["url"] == "https://www.example.go.jp/kodoku/torikumi.html"


def test_table_spans_and_section() -> None:
    ex = read(PAGE.encode("utf-8"))
    grids = [p.grid for p in ex.parts if p.grid is not None]
    assert len(grids) == 1
    g = grids[0]
    assert (g.nrows, g.ncols, g.name) == (3, 3, "表1")
    assert g.section == ["孤独・孤立対策の取組", "統計データ"]
    assert g.cells == [
        GridCell(0, 0, "区分", 2, 1), GridCell(0, 1, "回答", 1, 2),
        GridCell(1, 1, "ある"), GridCell(1, 2, "ない"),
        GridCell(2, 0, "男性"), GridCell(2, 1, "4.1%"), GridCell(2, 2, "95.9%"),
    ]


def test_a_page_without_a_named_main_keeps_its_densest_block() -> None:
    body = "".join(f"<p>段落{i}の本文です。孤独・孤立対策について説明します。</p>" for i in range(5))
    page = f"""<html><head><title>お知らせ｜○○市</title></head><body>
    <div class="top"><ul><li><a href="/1">くらし</a></li><li><a href="/2">子育て</a></li></ul></div>
    <div class="box"><h2 id="s1">お知らせ</h2>{body}</div>
    <div class="bottom"><a href="/c">お問い合わせ</a> <a href="/p">個人情報</a></div>
    </body></html>"""
    ex = read(page.encode("utf-8"))
    assert lines_of(ex)[0] == ("## お知らせ", "#s1")
    assert len(lines_of(ex)) == 6
    assert "くらし" not in str(lines_of(ex)) and "お問い合わせ" not in str(lines_of(ex))
    assert ex.title == "お知らせ"


def test_a_header_like_wrapper_holding_the_whole_page_is_not_dropped() -> None:
    page = """<html><body><div id="page-header-wrap" class="container">
    <h1>計画の概要</h1><p>この計画は、孤独・孤立対策推進法に基づき、政府が取り組む施策を定めるものです。</p>
    <p>計画期間はおおむね３年間とし、毎年度、施策の実施状況を評価します。</p></div></body></html>"""
    ex = read(page.encode("utf-8"))
    assert [t for t, _ in lines_of(ex)] == [
        "# 計画の概要",
        "この計画は、孤独・孤立対策推進法に基づき、政府が取り組む施策を定めるものです。",
        "計画期間はおおむね３年間とし、毎年度、施策の実施状況を評価します。",
    ]


def test_main_element_and_an_article_header() -> None:
    page = """<html><head><title>議事要旨 - 孤独・孤立対策推進室</title></head><body>
    <header><p>サイト名</p></header><nav><a href="/">トップ</a></nav>
    <main><article><header><h1 id="top">第２回推進会議 議事要旨</h1></header>
    <p>○委員長　ただいまから会議を開きます。</p><p>〇田中委員　資料１について質問します。前回の議論を踏まえた修正点を教えてください。</p></article></main>
    <footer>著作権</footer></body></html>"""
    ex = read(page.encode("utf-8"))
    assert lines_of(ex) == [
        ("# 第２回推進会議 議事要旨", "#top"),
        ("○委員長　ただいまから会議を開きます。", "#top"),
        ("〇田中委員　資料１について質問します。前回の議論を踏まえた修正点を教えてください。", "#top"),
    ]
    assert ex.title == "議事要旨"  # <title> less the site name after " - "


MAIN_JA = "<h2 id='a'>相談について</h2><p>孤独や孤立に悩む方のための相談窓口をご案内します。秘密は守られますので、お気軽にご相談ください。</p>"


def test_shift_jis_declared_and_undeclared() -> None:
    declared = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">'
                f"<title>相談窓口</title></head><body>{MAIN_JA}</body></html>").encode("cp932")
    undeclared = f"<html><body>{MAIN_JA}</body></html>".encode("shift_jis")
    euc = f"<html><body>{MAIN_JA}</body></html>".encode("euc_jp")
    for data in (declared, undeclared, euc):
        ex = read(data)
        assert lines_of(ex) == [
            ("## 相談について", "#a"),
            ("孤独や孤立に悩む方のための相談窓口をご案内します。秘密は守られますので、お気軽にご相談ください。", "#a"),
        ]
    assert read(declared).metadata["encoding"] == "cp932"
    assert read(euc).metadata["encoding"] == "euc_jp"


def test_a_wrong_declared_charset_is_guessed_with_a_warning() -> None:
    data = f'<html><head><meta charset="utf-8"></head><body>{MAIN_JA}</body></html>'.encode("cp932")
    ex = read(data)
    assert lines_of(ex)[0] == ("## 相談について", "#a")
    assert ex.warnings and "guessed" in ex.warnings[0]


def test_login_page_is_refused() -> None:
    page = """<html><head><title>ログイン</title></head><body><div id="content"><h1>職員ログイン</h1>
    <form action="/login" method="post"><p>ID <input type="text" name="id"></p>
    <p>パスワード <input type="password" name="pw"></p><p><input type="submit" value="ログイン"></p></form>
    <p>パスワードを忘れた方は、システム管理者にお問い合わせください。</p></div></body></html>"""
    with pytest.raises(FormatError, match="a login page, not a document"):
        read(page.encode("utf-8"))


def test_a_page_without_text_is_refused() -> None:
    page = """<!doctype html><html><head><title>アプリ</title><script src="app.js"></script></head>
    <body><div id="root"></div><noscript>JavaScriptを有効にしてください。</noscript></body></html>"""
    with pytest.raises(FormatError, match=r"no main text found \(the page may need JavaScript\)"):
        read(page.encode("utf-8"))
    with pytest.raises(FormatError, match="an empty file"):
        read(b" \r\n")


def test_sniff_by_suffix_or_doctype() -> None:
    f = Html()
    assert f.sniff(b"anything", ".htm")
    assert f.sniff(b"\xef\xbb\xbf  <!DOCTYPE HTML>\n<html>", ".txt")
    assert f.sniff(b"\n<HTML lang='ja'>", "")
    assert not f.sniff(b"# heading\n", ".md")


REAL = Path(__file__).parent / "data" / "realdocs" / "mhlw_r8_shinryouhoushu.html"


def test_real_ministry_page_gives_its_main_text_without_menus_and_footer() -> None:
    """厚生労働省's page: a header with a search box and mega-menus, a breadcrumb, <main>, a sitemap footer."""
    import lxml.html as lh

    data = REAL.read_bytes()
    main = lh.fromstring(data).xpath("//main")[0]
    want_h2 = ["## " + " ".join(h.text_content().split()) for h in main.xpath(".//h2")]
    ex = read(data)
    lines = [t for t, _ in lines_of(ex)]
    text = "\n".join(lines)
    for furniture in ("テーマ別に探す", "御意見募集やパブリックコメント", "国民参加の場", "法人番号6000012070001",
                      "霞が関1-", "ページの先頭へ"):
        assert furniture not in text, furniture
    assert ex.title == "令和８年度診療報酬改定について"
    assert lines[0] == "# 令和８年度診療報酬改定について"
    assert len(want_h2) == 9 and len(main.xpath(".//h3")) == 19
    assert [t.replace("\u3000", " ").strip() for t in lines if t.startswith("## ")] == [
        t.replace("\u3000", " ").strip() for t in want_h2]
    assert len([t for t in lines if t.startswith("### ")]) == 19
    located = dict((t, loc) for t, loc in lines_of(ex))
    assert located["## 第１\u3000令和８年度診療報酬改定に係る経緯"] == "#h2_2"
    assert "・令和８年度診療報酬改定について（令和７年12月24日大臣折衝事項）" in lines
