"""Tests of toyama_lab.gyosei.labels: the words of the 行政DX workbooks."""

import pytest

from toyama_lab.gyosei import labels


def test_text_and_reason_labels():
    assert labels.text("rest_line", "en") == "11 h"
    assert labels.reason_label("budget", "ja") == "予算編成"
    assert labels.reason_label("emergency", "en") == "emergency duty"
    with pytest.raises(KeyError, match="no text"):
        labels.text("nope")
    with pytest.raises(ValueError):
        labels.text("rest_line", "fr")


def test_every_text_has_both_languages():
    for key, (ja, en) in labels.TEXT.items():
        assert labels.text(key, "ja") == ja and labels.text(key, "en") == en
