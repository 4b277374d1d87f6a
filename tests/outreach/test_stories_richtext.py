"""The story body's HTML subset (outreach/richtext.py): what is kept, what is dropped, and that cleaning is stable."""

from __future__ import annotations

import pytest

from dangan.outreach.richtext import clean_html, drop_images, image_id_of, image_ids, plain_text

IMAGE = "0123456789abcdef0123456789abcdef-0123456789abcdef01234567"
SRC = f"/iiif/3/{IMAGE}/full/max/0/default.jpg"


def check(html: str) -> str:
    cleaned = clean_html(html)
    assert clean_html(cleaned) == cleaned, "cleaning a cleaned body changes nothing"
    return cleaned


def test_the_subset_is_kept_as_it_is() -> None:
    body = (
        "<h2>遵义会议</h2><p>一九三五年<strong>一月</strong>，<em>遵义</em>。"
        '<a href="https://www.gov.cn/a?b=1&amp;c=2">链接</a> <a href="/units/x/">站内</a></p>'
        "<blockquote><p>引文</p></blockquote><ul><li>甲</li><li>乙<ol><li>丙</li></ol></li></ul><h3>小节</h3>"
        f'<figure><img src="{SRC}" alt="会议旧址"><figcaption>会议旧址 <em>摄</em></figcaption></figure>'
    )
    assert check(body) == body


@pytest.mark.parametrize(
    "dirty, clean",
    [
        ("<p>前<script>alert(1)</script>后</p>", "<p>前后</p>"),
        ("<script>alert(1)</script><p>正文</p>", "<p>正文</p>"),
        ("<p onclick=\"steal()\" onmouseover='x()'>文字</p>", "<p>文字</p>"),
        ('<p style="color:red" class="big" id="x">文字</p>', "<p>文字</p>"),
        ('<p><a href="javascript:alert(1)">点我</a></p>', "<p>点我</p>"),
        ('<p><a href=" JaVaScRiPt:alert(1)">点我</a></p>', "<p>点我</p>"),
        ('<p><a href="data:text/html,&lt;script&gt;">点我</a></p>', "<p>点我</p>"),
        ('<p><a href="//evil.example/x">点我</a></p>', "<p>点我</p>"),
        (
            '<p><a href="https://x.org/" onclick="x()" target="_blank">外链</a></p>',
            '<p><a href="https://x.org/">外链</a></p>',
        ),
        ("<style>p{color:red}</style><p>文字</p>", "<p>文字</p>"),
        ('<iframe src="https://evil.example/"></iframe><p>文字</p>', "<p>文字</p>"),
        ("<p>&lt;script&gt; 5 &lt; 6 &amp; 7</p>", "<p>&lt;script&gt; 5 &lt; 6 &amp; 7</p>"),
        ("<svg><script>x()</script><text>矢量</text></svg><p>文字</p>", "<p>文字</p>"),
        ("<div><span>散落的</span>文字</div>", "<p>散落的文字</p>"),
        (
            "<h1>大标题</h1><h4>小标题</h4><b>粗</b><i>斜</i>",
            "<h2>大标题</h2><h3>小标题</h3><p><strong>粗</strong><em>斜</em></p>",
        ),
        ("<!-- 注释 --><p>文字</p>", "<p>文字</p>"),
        ("<p>控\x00制\x07字符</p>", "<p>控制字符</p>"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_everything_else_is_stripped_text_kept_and_escaped(dirty: str, clean: str) -> None:
    assert check(dirty) == clean


def test_foreign_images_are_dropped_with_their_figure() -> None:
    for src in (
        "https://evil.example/x.jpg",
        "/media/x.jpg",
        f"/iiif/3/{IMAGE}/info.json",
        "javascript:alert(1)",
        f"//evil.example{SRC}",
        f"https://evil.example{SRC}",
    ):
        body = check(f'<figure><img src="{src}" onerror="x()"><figcaption>说明</figcaption></figure><p>后文</p>')
        assert body == "<p>后文</p>", src


def test_an_image_of_this_sites_iiif_api_is_kept_site_relative() -> None:
    assert check(f'<figure><img src="http://localhost{SRC}" alt="图"></figure>') == (
        f'<figure><img src="{SRC}" alt="图"></figure>'
    )
    # A bare image becomes a figure of its own; an attribute's quotes are escaped.
    assert check(f'<p>前</p><img src="{SRC}" alt="&quot;引号&quot;">') == (
        f'<p>前</p><figure><img src="{SRC}" alt="&quot;引号&quot;"></figure>'
    )
    assert image_id_of(SRC) == IMAGE and image_id_of("/iiif/3/zz/full/max/0/default.jpg") is None


def test_image_ids_and_dropping_images() -> None:
    other = "f" * 32 + "-" + "e" * 24
    body = check(
        f'<figure><img src="{SRC}"><figcaption>甲</figcaption></figure><p>中</p>'
        f'<figure><img src="/iiif/3/{other}/full/!400,400/0/default.jpg"><figcaption>乙</figcaption></figure>'
    )
    assert image_ids(body) == [IMAGE, other]
    kept = drop_images(body, lambda image: image == other)
    assert IMAGE not in kept and "甲" not in kept and other in kept and "乙" in kept and "<p>中</p>" in kept
    assert plain_text(body) == "甲 中 乙"
