#!/usr/bin/env python3
"""Ask this host's /healthz, print the answer, exit 0 when healthy (issue 11, SPEC O3).

docker-compose's healthcheck of the web service (the image has Python, not curl). Standard
library only, so it runs before and without Django. /healthz answers plain HTTP by address,
whatever ALLOWED_HOSTS and SECURE_SSL_REDIRECT say, so no Host or proxy header is needed.

    python scripts/healthz_probe.py [URL]     # default http://127.0.0.1:8000/healthz
"""

import sys
import urllib.error
import urllib.request

DEFAULT_URL = "http://127.0.0.1:8000/healthz"
#: /healthz answers within 2 s whatever is down; a host that does not is unhealthy too.
TIMEOUT_SECONDS = 3


def main(argv: list[str]) -> int:
    url = argv[1] if len(argv) > 1 else DEFAULT_URL
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            print(response.read().decode(), end="")
            return 0 if response.status == 200 else 1
    except urllib.error.HTTPError as error:  # 503: the body names what failed
        print(error.read().decode(), end="")
        return 1
    except (urllib.error.URLError, TimeoutError) as error:
        print(f"{url} did not answer: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
