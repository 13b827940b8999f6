from fieldwright.launcher import main

main()
