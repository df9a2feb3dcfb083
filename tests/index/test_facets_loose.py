"""The filter pop-ups offer what the results hold, also when a query falls back to some of its words."""

from __future__ import annotations


def test_loose_results_have_their_facets(make_library):
    lib = make_library()
    # "停车 收费 标准 火箭": no document has every word, so the results are those with some.
    res = lib.search("停车 收费 标准 火箭")
    assert res.total > 0 and res.hits
    hit_issuers = {h.issuer for h in res.hits if h.issuer}
    assert res.facets.get("issuer"), "the issuer filter offers values"
    assert hit_issuers <= set(res.facets["issuer"]), (hit_issuers, res.facets["issuer"])
    assert sum(res.facets["kind"].values()) == res.total
