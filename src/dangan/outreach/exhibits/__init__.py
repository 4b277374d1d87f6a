"""Part exhibitions' plain pieces: the rich-text sanitizer (``sanitize``) and the blocks — what each kind holds,
how it is validated on every write, and what of it a viewer may be shown (``blocks``)."""
