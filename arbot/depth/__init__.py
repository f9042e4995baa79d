"""L2 order books: the book itself, its integrity rules, the depth walk that sizes a gap.

Shared by the feed (which keeps each venue's books true to the venue's sequence and
checksum rules) and the engine (which walks them), so it sits below both
(docs/depth.md).
"""
