from genlib.cli import main

raise SystemExit(main())
