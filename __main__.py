from handwrite.cli import main

main()
