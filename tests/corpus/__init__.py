"""The hostile and broken returns corpus: built at test time from a real generated workbook."""

from .build import Case, build_corpus, make_base_workspace

__all__ = ["Case", "build_corpus", "make_base_workspace"]
