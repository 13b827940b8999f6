from fieldwright.cli.main import main

main()
