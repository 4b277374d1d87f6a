"""The shipped archival dictionary (archival.txt, jieba user-dictionary format); a package so the wheel carries it."""
