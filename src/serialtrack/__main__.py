from serialtrack.cli.app import main

main()
