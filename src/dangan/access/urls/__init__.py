"""The access app's three URL namespaces, gathered from each part's views module."""
