from dxprep.cli import main

main()
