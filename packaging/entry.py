"""The frozen app's entry script: the same `fieldwright` launcher the wheel installs."""

from fieldwright.launcher import main

if __name__ == "__main__":
    main()
