"""`dangan replication identity [--json]`: this node's name, id and public key fingerprint — what a partner's
operator needs to pair with it (`dangan replication partner add NAME URL --fingerprint FP` on their side).

Exit codes: 0 shown; 1 this node has no identity yet (run `dangan init`) or its key files cannot be read."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from . import EXIT_OK, EXIT_PROBLEMS


def register(actions: Any) -> None:
    p = actions.add_parser(
        "identity",
        help="本节点身份与公钥指纹 / this node's identity and key fingerprint",
        description="显示本节点名称、节点标识与公钥指纹（结对时交给对方核对）。\n"
        "Shows this node's name, node id and public key fingerprint (give them to a partner to pair).",
        epilog="退出码 / exit codes: 0 成功 · 1 尚无身份密钥（请运行 dangan init）",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--json", action="store_true", help="以 JSON 输出（name、node_id、fingerprint）/ print JSON")
    p.set_defaults(handler=cmd_identity)


def cmd_identity(args: argparse.Namespace) -> int:
    from dangan.replication.node import NodeNotReady, identity_document

    try:
        document = identity_document()
    except NodeNotReady as exc:
        print(f"错误 error: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    if args.json:
        shown = {key: document[key] for key in ("name", "node_id", "fingerprint", "algorithm", "public_key")}
        print(json.dumps(shown, ensure_ascii=False, indent=2))
    else:
        print(f"节点名称 name:        {document['name']}")
        print(f"节点标识 node id:     {document['node_id']}")
        print(f"签名算法 algorithm:   {document['algorithm']}")
        print(f"公钥指纹 fingerprint: {document['fingerprint']}")
    return EXIT_OK
