"""The configuration: the site the steps act on, the targets the suites check, and their secrets.

    secrets   Secret (a value that never shows itself) and Masker (the one way text loses its secrets)
    envfile   the one parser of KEY=value files (an operator's .env, a secrets file, a target file)
    target    Target: the suites' CHECK_* keys, read from a file and the environment
    site      Site: the server, its paths and settings, read from the operator's JSON site file;
              ``Site.target(env)`` is the one translation of a site into a target

``site`` is imported as ``ops.config.site``: it builds hosts and compose engines, which themselves use
the masker, so this package does not load it.
"""

from ops.config.envfile import merge_env, parse_env
from ops.config.secrets import JWT, MASK, SECRET_KEY, Masker, Secret, redact_url
from ops.config.target import KEYS, Account, KeySpec, Target, account_keys, load_target, parse_env_file

__all__ = ["JWT", "KEYS", "MASK", "SECRET_KEY", "Account", "KeySpec", "Masker", "Secret", "Target",
           "account_keys", "load_target", "merge_env", "parse_env", "parse_env_file", "redact_url"]
