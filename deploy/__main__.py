import sys

from deploy.hall import main

sys.exit(main())
