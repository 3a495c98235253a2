from gtprov.cli.main import main

main()
