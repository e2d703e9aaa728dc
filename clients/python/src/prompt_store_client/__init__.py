"""A client for prompt-store: fetch prompt text by label, with a cache that outlives an outage.

from prompt_store_client import PromptStore
store = PromptStore("https://prompts.example.org", cache_dir="/var/cache/prompts")
prompt = store.get("summariser/production")
"""

from .bundle import Bundle
from .client import PromptStore
from .errors import (
    Conflict,
    Incompatible,
    InvalidRequest,
    LabelMoved,
    NotAuthorized,
    PromptNotFound,
    PromptRemoved,
    PromptStoreError,
    PromptStoreUnavailable,
    RateLimited,
)
from .models import Prompt, Saved
from .transport import VERSION as __version__

__all__ = [
    "Bundle",
    "Conflict",
    "Incompatible",
    "InvalidRequest",
    "LabelMoved",
    "NotAuthorized",
    "Prompt",
    "PromptNotFound",
    "PromptRemoved",
    "PromptStore",
    "PromptStoreError",
    "PromptStoreUnavailable",
    "RateLimited",
    "Saved",
    "__version__",
]
