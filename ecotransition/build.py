"""`python -m ecotransition.build [--db PATH] [--demo-scale N]`: (re)build the database.

The command keeps its historical name; the build itself lives in ecotransition.data.build.
"""

import sys

from ecotransition.data.build import main

if __name__ == "__main__":
    sys.exit(main())
