"""A LangChain fake chat model that looks like a real provider's to callbacks and instrumentors (no network).

Real ChatOpenAI/ChatAnthropic put the model into `invocation_params` (via `_identifying_params`), name their type
`openai-chat`/`anthropic-chat` (`_type`), and report `ls_provider`/`ls_model_name` in callback metadata. The stock
fake reports none of that, so a pricer could not tell which model was called. Its replies carry the `usage_metadata`
the caller scripts.
"""

from __future__ import annotations

from typing import Any

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel


class PricedFakeChatModel(GenericFakeChatModel):
    model: str
    provider: str

    @property
    def _llm_type(self) -> str:
        return f"{self.provider}-chat"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model": self.model, "model_name": self.model}

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> Any:
        params = super()._get_ls_params(stop=stop, **kwargs)
        params["ls_provider"] = self.provider
        params["ls_model_name"] = self.model
        return params
