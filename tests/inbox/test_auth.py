from __future__ import annotations

import pytest

from b24_tools._errors import B24ConfigError
from b24_tools.inbox import ReviewerAuth, cookie_secure_for, hash_password, verify_password


def test_password_hash_round_trips_and_rejects_wrong_password():
    encoded = hash_password("s3cret-pass", iterations=1000)
    assert encoded.startswith("pbkdf2_sha256$1000$")
    assert "s3cret-pass" not in encoded
    assert verify_password("s3cret-pass", encoded)
    assert not verify_password("s3cret-pasS", encoded)


def test_password_hashes_are_salted():
    assert hash_password("same", iterations=1000) != hash_password("same", iterations=1000)


@pytest.mark.parametrize("bad", ["", "plain", "md5$1$a$b", "pbkdf2_sha256$x$y$z", "pbkdf2_sha256$10$!!$??"])
def test_malformed_hashes_never_match(bad):
    assert not verify_password("anything", bad)


def test_auth_needs_a_token_or_a_password_hash():
    with pytest.raises(B24ConfigError, match="B24_REVIEWER_TOKEN"):
        ReviewerAuth()


def test_auth_refuses_a_hash_that_is_not_pbkdf2():
    with pytest.raises(B24ConfigError, match="hash-password"):
        ReviewerAuth(password_hash="plaintext-password")


def test_token_sign_in_accepts_any_valid_name_with_the_token():
    auth = ReviewerAuth(token="tok-123456")
    assert auth.check("alice", token="tok-123456")
    assert not auth.check("alice", token="tok-1234567")
    assert not auth.check("alice", password="tok-123456")
    assert not auth.check("<b>alice</b>", token="tok-123456")


def test_named_password_hashes_bind_the_password_to_the_name():
    auth = ReviewerAuth(
        password_hash=f"alice={hash_password('alice-pw', iterations=1000)},bob={hash_password('bob-pw', iterations=1000)}"
    )
    assert auth.check("alice", password="alice-pw")
    assert auth.check("bob", password="bob-pw")
    assert not auth.check("alice", password="bob-pw")
    assert not auth.check("carol", password="alice-pw")


def test_cookies_are_secure_unless_plain_http_on_loopback():
    assert cookie_secure_for("127.0.0.1", tls=False) is False
    assert cookie_secure_for("localhost", tls=False) is False
    assert cookie_secure_for("127.0.0.1", tls=True) is True
    assert cookie_secure_for("0.0.0.0", tls=False) is True
    assert cookie_secure_for("review.example.com", tls=False) is True
    assert cookie_secure_for("127.0.0.1", tls=False, override=True) is True
