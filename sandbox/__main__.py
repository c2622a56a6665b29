"""`python -m sandbox [--port P]`: serve the sandbox alone."""
from sandbox.cli import main

raise SystemExit(main())
