"""The sandbox translator: /health, /ready, /live and a deterministic POST /translate (contract §1.2, §4)."""
