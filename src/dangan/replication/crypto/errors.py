"""Errors a person can meet in the replication cryptography, each with a stable English ``code`` and a Chinese
message that is translated only when shown (so the modules work before Django is configured)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


class ReplicationCryptoError(Exception):
    """Base class: ``code`` names what is wrong (stable, for logs, JSON and tests); ``str()`` says it in Chinese."""

    code = "crypto"
    template: Any = _("复制加密出错。")

    def __init__(self, template: Any = None, **params: object) -> None:
        self.params = params
        if template is not None:
            self.template = template
        super().__init__(self.code)

    def __str__(self) -> str:
        text = str(self.template)
        return text % self.params if self.params else text


# Keys and identity ------------------------------------------------------------------------------------------------


class KeyFileError(ReplicationCryptoError):
    code = "key-file"
    template = _("密钥文件 %(path)s 无法使用：%(reason)s")


class KeyFileExists(ReplicationCryptoError):
    code = "key-file-exists"
    template = _("密钥文件 %(path)s 已经存在，不会覆盖。")


class KeyFileExposed(ReplicationCryptoError):
    code = "key-file-exposed"
    template = _("密钥文件 %(path)s 可被其他用户读取（权限 %(mode)s），请改为 0600。")


class BadPublicKey(ReplicationCryptoError):
    code = "bad-public-key"
    template = _("公钥无效：%(reason)s")


class BadFingerprint(ReplicationCryptoError):
    code = "bad-fingerprint"
    template = _("指纹格式不对：%(reason)s")


# Signed messages --------------------------------------------------------------------------------------------------


class MessageError(ReplicationCryptoError):
    code = "message"
    template = _("节点消息无效。")


class MalformedMessage(MessageError):
    code = "malformed"
    template = _("节点消息格式不对：%(reason)s")


class UnknownKey(MessageError):
    code = "unknown-key"
    template = _("发送方节点 %(sender)s 不是已结对的伙伴（没有固定的公钥）。")


class WrongRecipient(MessageError):
    code = "wrong-recipient"
    template = _("消息是发给节点 %(recipient)s 的，不是本节点。")


class BodyMismatch(MessageError):
    code = "body-mismatch"
    template = _("消息正文与签名的摘要不符（正文在途中被改动或截断）。")


class BadSignature(MessageError):
    code = "bad-signature"
    template = _("签名无效：消息不是由节点 %(sender)s 的固定密钥签署的，或已被改动。")


class StaleMessage(MessageError):
    code = "stale"
    template = _("消息时间 %(timestamp)s 超出允许的 %(window)s 秒时间窗（本机时间 %(now)s）。")


class MismatchedAnswer(MessageError):
    code = "mismatched-answer"
    template = _("应答与本节点发出的请求不对应（可能是另一次请求的应答被重放）。")


class ReplayedMessage(MessageError):
    code = "replayed"
    template = _("消息是重放的：节点 %(sender)s 的随机数 %(nonce)s 已经用过。")


# Envelopes --------------------------------------------------------------------------------------------------------


class EnvelopeError(ReplicationCryptoError):
    code = "envelope"
    template = _("加密包无效。")


class NotAnEnvelope(EnvelopeError):
    code = "not-an-envelope"
    template = _("不是 dangan 加密包（文件头标识不对）。")


class UnsupportedEnvelope(EnvelopeError):
    code = "unsupported"
    template = _("不支持的加密包：%(reason)s")


class WrongKey(EnvelopeError):
    code = "wrong-key"
    template = _("加密包是用密钥 %(expected)s 加密的，本节点的主密钥是 %(actual)s。")


class TruncatedEnvelope(EnvelopeError):
    code = "truncated"
    template = _("加密包被截断：第 %(index)s 块不完整或缺失。")


class TrailingData(EnvelopeError):
    code = "trailing-data"
    template = _("加密包在最后一块（第 %(index)s 块）之后还有多余数据。")


class ChunkOutOfOrder(EnvelopeError):
    code = "chunk-out-of-order"
    template = _("块顺序错误：位置 %(expected)s 上是第 %(found)s 块。")


class ChunkFromOtherObject(EnvelopeError):
    code = "chunk-from-other-object"
    template = _("第 %(index)s 块来自另一个对象（块被调换）。")


class ChunkTampered(EnvelopeError):
    code = "chunk-tampered"
    template = _("第 %(index)s 块认证失败：内容被改动。")


class ContentMismatch(EnvelopeError):
    code = "content-mismatch"
    template = _("解密后的内容与加密时的内容摘要不符。")


# Shares -----------------------------------------------------------------------------------------------------------


class ShareError(ReplicationCryptoError):
    code = "share"
    template = _("密钥份额无效。")


class MalformedShare(ShareError):
    code = "malformed-share"
    template = _("第 %(line)s 份密钥份额格式不对：%(reason)s")


class ShareChecksumMismatch(ShareError):
    code = "share-checksum"
    template = _("第 %(line)s 份密钥份额（%(label)s）的校验码不符：有字符抄错了。")


class InconsistentShares(ShareError):
    code = "inconsistent-shares"
    template = _("这些份额不属于同一次分割：%(reason)s")


class NotEnoughShares(ShareError):
    code = "not-enough-shares"
    template = _("需要至少 %(k)s 份不同的份额，只有 %(given)s 份。")


class RecoveredKeyMismatch(ShareError):
    code = "recovered-key-mismatch"
    template = _("由份额恢复出的密钥与密钥编号 %(key_id)s 不符：有一份份额是错的。")


# Proofs -----------------------------------------------------------------------------------------------------------


class ProofError(ReplicationCryptoError):
    code = "proof"
    template = _("审计应答无效：%(reason)s")
