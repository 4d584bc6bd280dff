"""The run engine: run services and selectors, output checks, the LLM gateway, the throttle."""
