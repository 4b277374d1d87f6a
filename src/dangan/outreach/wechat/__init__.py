"""Part wechat: the WeChat official account API (client.py) and a story as its article (article.py)."""
