"""jieba's dictionary in the fast form: the same table as jieba's own start, rebuilt when broken.

Each case runs in a fresh process with a temp folder of its own (``TMPDIR``), as a CLI start does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent

COMPARE = """
import json, jieba as _j
from index.jieba_dict import cache_path, ready_jieba
jb = ready_jieba()
ours = (jb.dt.FREQ, jb.dt.total)
own = _j.Tokenizer()
own.initialize()
print(json.dumps({"cache": str(cache_path(jb)), "same": ours[0] == own.FREQ and ours[1] == own.total,
                  "words": len(ours[0]), "cut": jb.lcut("区档案馆关于做好政府信息公开工作的通知")}, ensure_ascii=False))
"""


def _run(code: str, tmp: Path) -> dict:
    env = dict(os.environ, TMPDIR=str(tmp))
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                         check=True, timeout=120)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_fast_form_is_jiebas_own_table(tmp_path: Path) -> None:
    first = _run(COMPARE, tmp_path)  # no cache yet: jieba's own start, then the fast form written
    assert first["same"] and first["words"] > 300_000
    assert Path(first["cache"]).is_file()
    second = _run(COMPARE, tmp_path)  # from the fast form
    assert second["same"] and second["cut"] == first["cut"]
    assert "信息公开" in "".join(second["cut"]) and len(second["cut"]) > 4


def test_a_broken_cache_is_replaced_and_jieba_still_cuts(tmp_path: Path) -> None:
    first = _run(COMPARE, tmp_path)
    cache = Path(first["cache"])
    cache.write_bytes(cache.read_bytes()[: 1000])  # cut short, as by a full disk
    again = _run(COMPARE, tmp_path)
    assert again["same"] and again["cut"] == first["cut"]
    assert cache.stat().st_size > 1_000_000, "written again whole"
