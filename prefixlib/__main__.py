from prefixlib.cli import main

raise SystemExit(main())
