"""Pages of the compilation app (under /manage/compilation/, namespace ``compilation``): views/<part>.py each offer
``manage_urls``."""
